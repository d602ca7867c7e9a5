#include "parked_streams.h"

#include <sys/epoll.h>

#include <cerrno>
#include <cstring>

namespace devmongod::it {
namespace {

int64_t IntAt(const bson_t& doc, const char* path) {
  bson_iter_t it, found;
  if (!bson_iter_init(&it, &doc) || !bson_iter_find_descendant(&it, path, &found)) return 0;
  return bson_iter_as_int64(&found);
}

// Number of events in cursor.nextBatch (or firstBatch).
uint32_t BatchSize(const bson_t& reply) {
  bson_iter_t it, batch;
  if (!bson_iter_init(&it, &reply)) return 0;
  if (!bson_iter_find_descendant(&it, "cursor.nextBatch", &batch) &&
      !(bson_iter_init(&it, &reply) &&
        bson_iter_find_descendant(&it, "cursor.firstBatch", &batch))) {
    return 0;
  }
  bson_iter_t child;
  uint32_t n = 0;
  if (BSON_ITER_HOLDS_ARRAY(&batch) && bson_iter_recurse(&batch, &child)) {
    while (bson_iter_next(&child)) ++n;
  }
  return n;
}

}  // namespace

std::expected<ParkedStreams, std::string> ParkedStreams::Open(const std::string& host,
                                                              uint16_t port, const std::string& db,
                                                              const std::string& coll, size_t count,
                                                              int64_t max_time_ms) {
  ParkedStreams out(db, coll, max_time_ms);
  out.epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!out.epoll_.valid()) return std::unexpected(std::string("epoll: ") + std::strerror(errno));
  out.streams_.reserve(count);
  common::BsonPtr aggregate = common::NewBson();
  BSON_APPEND_UTF8(aggregate.get(), "aggregate", coll.c_str());
  bson_t pipeline, stage, change_stream, cursor;
  BSON_APPEND_ARRAY_BEGIN(aggregate.get(), "pipeline", &pipeline);
  BSON_APPEND_DOCUMENT_BEGIN(&pipeline, "0", &stage);
  BSON_APPEND_DOCUMENT_BEGIN(&stage, "$changeStream", &change_stream);
  bson_append_document_end(&stage, &change_stream);
  bson_append_document_end(&pipeline, &stage);
  bson_append_array_end(aggregate.get(), &pipeline);
  BSON_APPEND_DOCUMENT_BEGIN(aggregate.get(), "cursor", &cursor);
  bson_append_document_end(aggregate.get(), &cursor);

  for (size_t i = 0; i < count; ++i) {
    auto client = test_support::WireClient::Connect(host, port);
    if (!client) return std::unexpected("stream " + std::to_string(i) + ": " + client.error());
    auto reply = client->RunCommand(db, *aggregate);
    if (!reply) return std::unexpected("aggregate " + std::to_string(i) + ": " + reply.error());
    int64_t id = IntAt(**reply, "cursor.id");
    if (id == 0) return std::unexpected("aggregate returned " + common::BsonToJson(**reply));
    out.streams_.push_back(Stream{std::move(*client), id});
    Stream& s = out.streams_.back();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (::epoll_ctl(out.epoll_.get(), EPOLL_CTL_ADD, s.client.fd(), &ev) != 0) {
      return std::unexpected(std::string("epoll_ctl: ") + std::strerror(errno));
    }
    if (auto sent = out.SendGetMore(s); !sent) return std::unexpected(sent.error());
  }
  return out;
}

std::expected<void, std::string> ParkedStreams::SendGetMore(Stream& s) {
  common::BsonPtr get_more = common::NewBson();
  BSON_APPEND_INT64(get_more.get(), "getMore", s.cursor_id);
  BSON_APPEND_UTF8(get_more.get(), "collection", coll_.c_str());
  BSON_APPEND_INT64(get_more.get(), "maxTimeMS", max_time_ms_);
  BSON_APPEND_UTF8(get_more.get(), "$db", db_.c_str());
  auto sent = s.client.SendOpMsg(*get_more);
  if (!sent) return std::unexpected(sent.error());
  return {};
}

std::expected<std::vector<ParkedStreams::Clock::time_point>, std::string>
ParkedStreams::CollectRound(std::chrono::milliseconds limit) {
  std::vector<Clock::time_point> received(streams_.size());
  std::vector<bool> done(streams_.size(), false);
  size_t remaining = streams_.size();
  auto deadline = Clock::now() + limit;
  std::vector<epoll_event> events(256);
  while (remaining > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return std::unexpected(std::to_string(remaining) + " of " + std::to_string(streams_.size()) +
                             " streams got no event in time");
    }
    int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()),
                         static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR)
      return std::unexpected(std::string("epoll_wait: ") + strerror(errno));
    for (int k = 0; k < n; ++k) {
      size_t i = events[k].data.u64;
      Stream& s = streams_[i];
      auto reply = s.client.ReadReply();
      auto at = Clock::now();
      if (!reply) return std::unexpected("stream " + std::to_string(i) + ": " + reply.error());
      if (IntAt(*reply->body, "ok") != 1) {
        return std::unexpected("stream " + std::to_string(i) + ": " +
                               common::BsonToJson(*reply->body));
      }
      bool got_event = BatchSize(*reply->body) > 0;
      if (auto sent = SendGetMore(s); !sent) return std::unexpected(sent.error());
      if (got_event && !done[i]) {
        done[i] = true;
        received[i] = at;
        --remaining;
      }
    }
  }
  return received;
}

}  // namespace devmongod::it
