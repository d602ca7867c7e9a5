// Many raw connections, each with a change stream whose getMore is parked
// on the server: the fan-out test and the fan-out benchmark both use it.
//
// Each stream is opened with an aggregate ($changeStream) and then always
// has exactly one getMore (maxTimeMS) in flight. CollectRound() waits until
// every stream got a reply carrying at least one event, records when, and
// sends the next getMore.
// Thread-safety: one owner thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "support/wire_client.h"

namespace devmongod::it {

class ParkedStreams {
 public:
  using Clock = std::chrono::steady_clock;

  // Opens `count` streams on db.coll; each getMore waits up to max_time_ms.
  static std::expected<ParkedStreams, std::string> Open(const std::string& host, uint16_t port,
                                                        const std::string& db,
                                                        const std::string& coll, size_t count,
                                                        int64_t max_time_ms);

  // Waits until every stream received one or more events (empty batches from
  // expired getMores are re-armed and not counted). Returns the receipt time
  // of each stream, or an error naming the first broken stream / timeout.
  std::expected<std::vector<Clock::time_point>, std::string> CollectRound(
      std::chrono::milliseconds limit);

  size_t size() const { return streams_.size(); }

 private:
  struct Stream {
    test_support::WireClient client;
    int64_t cursor_id = 0;
  };
  ParkedStreams(std::string db, std::string coll, int64_t max_time_ms)
      : db_(std::move(db)), coll_(std::move(coll)), max_time_ms_(max_time_ms) {}
  std::expected<void, std::string> SendGetMore(Stream& s);

  std::string db_;
  std::string coll_;
  int64_t max_time_ms_ = 0;
  std::vector<Stream> streams_;
  common::UniqueFd epoll_;
};

}  // namespace devmongod::it
