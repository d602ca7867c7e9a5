#include "fake_command_handler.h"

#include <chrono>
#include <thread>
#include <utility>

namespace devmongod::server {
namespace {

common::BsonPtr Ok() {
  common::BsonPtr doc = common::NewBson();
  BSON_APPEND_DOUBLE(doc.get(), "ok", 1.0);
  return doc;
}

int64_t IntField(const bson_t& doc, const char* key) {
  bson_iter_t it;
  return bson_iter_init_find(&it, &doc, key) ? bson_iter_as_int64(&it) : 0;
}

}  // namespace

void FakeCommandHandler::BeforeReplies() {
  size_t syncing = 0;
  {
    std::lock_guard lock(mu_);
    ++before_replies_;
    syncing = std::exchange(pending_durable_, 0);
  }
  if (syncing == 0) return;
  // A slow "fdatasync", outside the lock so the test can look meanwhile.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::lock_guard lock(mu_);
  durable_writes_ += syncing;
}

Outcome FakeCommandHandler::Execute(const wire::Request& request, const ExecContext& ctx) {
  std::lock_guard lock(mu_);
  ++executed_;
  std::string name = request.CommandName();
  const bson_t& cmd = *request.command;
  if (name == "ping") return Outcome::Reply(Ok());
  if (name == "bump") {
    ++version_;
    return Outcome::Reply(Ok());
  }
  if (name == "wait") {
    auto [it, first] = wait_start_.try_emplace(ctx.connection_id, version_);
    // Without `until`, any change wakes the wait; with it, only reaching that version.
    uint64_t until = bson_has_field(&cmd, "until") ? static_cast<uint64_t>(IntField(cmd, "until"))
                                                   : it->second + 1;
    const char* woke = nullptr;
    if (version_ >= until) woke = "change";
    if (woke == nullptr && ctx.deadline_passed) woke = "deadline";
    if (woke == nullptr) return Outcome::Wait(ctx.now_mono_ms + IntField(cmd, "wait"));
    wait_start_.erase(it);
    common::BsonPtr doc = Ok();
    BSON_APPEND_UTF8(doc.get(), "woke", woke);
    return Outcome::Reply(std::move(doc));
  }
  if (name == "delay") {
    if (!ctx.failpoint_applied) return Outcome::Delay(ctx.now_mono_ms + IntField(cmd, "delay"));
    common::BsonPtr doc = Ok();
    BSON_APPEND_BOOL(doc.get(), "delayed", true);
    return Outcome::Reply(std::move(doc));
  }
  if (name == "close") return Outcome::Close();
  if (name == "durable") {
    ++pending_durable_;
    return Outcome::Reply(Ok());
  }
  if (name == "big") {
    common::BsonPtr doc = Ok();
    std::string pad(static_cast<size_t>(IntField(cmd, "big")), 'x');
    BSON_APPEND_UTF8(doc.get(), "pad", pad.c_str());
    return Outcome::Reply(std::move(doc));
  }
  common::BsonPtr doc = common::NewBson();
  BSON_APPEND_DOUBLE(doc.get(), "ok", 0.0);
  return Outcome::Reply(std::move(doc));
}

}  // namespace devmongod::server
