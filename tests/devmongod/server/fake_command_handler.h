// A scripted CommandHandler for event-loop tests. Commands (first key):
//   ping               -> {ok:1}
//   bump               -> moves ChangeVersion(), {ok:1}
//   wait: <ms>         -> waits for a version newer than when it first ran
//                         (or, with until: <v>, for version >= v),
//                         {ok:1, woke:"change"|"deadline"}
//   delay: <ms>        -> kDelay, then {ok:1, delayed:<failpoint_applied>}
//   close              -> closes the connection
//   durable            -> {ok:1}; the next BeforeReplies() takes 100 ms and
//                         then marks the write durable (durable_writes())
//   big: <bytes>       -> {ok:1, pad:"xxx..."} of about that size
// Everything else gets {ok:0}.
// Thread-safety: called on the loop thread; counters are read by the test
// thread under a mutex.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "devmongod/engine/command_handler.h"

namespace devmongod::server {

class FakeCommandHandler : public CommandHandler {
 public:
  Outcome Execute(const wire::Request& request, const ExecContext& ctx) override;
  uint64_t ChangeVersion() const override {
    std::lock_guard lock(mu_);
    return version_;
  }
  void BeforeReplies() override;
  void OnTick(int64_t) override {
    std::lock_guard lock(mu_);
    ++ticks_;
  }
  void OnConnectionOpened(uint64_t id) override {
    std::lock_guard lock(mu_);
    open_.insert(id);
  }
  void OnConnectionClosed(uint64_t id) override {
    std::lock_guard lock(mu_);
    open_.erase(id);
    ++closed_;
  }

  size_t open_connections() const {
    std::lock_guard lock(mu_);
    return open_.size();
  }
  size_t closed_connections() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  size_t executed() const {
    std::lock_guard lock(mu_);
    return executed_;
  }
  size_t ticks() const {
    std::lock_guard lock(mu_);
    return ticks_;
  }
  size_t durable_writes() const {
    std::lock_guard lock(mu_);
    return durable_writes_;
  }
  size_t before_replies() const {
    std::lock_guard lock(mu_);
    return before_replies_;
  }

 private:
  mutable std::mutex mu_;
  uint64_t version_ = 0;
  std::set<uint64_t> open_;
  size_t closed_ = 0;
  size_t executed_ = 0;
  size_t ticks_ = 0;
  size_t before_replies_ = 0;
  size_t pending_durable_ = 0;
  size_t durable_writes_ = 0;
  // Version each waiting connection saw when its wait first ran.
  std::unordered_map<uint64_t, uint64_t> wait_start_;
};

}  // namespace devmongod::server
