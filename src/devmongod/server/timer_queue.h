// Deadlines of waiting and delayed requests, at most one per connection,
// ordered by time.
//
// An ordered set rather than a heap: a parked getMore that is woken by a
// change event removes its entry at once, so the queue never fills with stale
// deadlines when thousands of streams are woken by every insert.
// Thread-safety: none; owned by the event loop.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace devmongod::server {

class TimerQueue {
 public:
  void Add(int64_t when_mono_ms, uint64_t connection_id) {
    entries_.emplace(when_mono_ms, connection_id);
  }
  void Remove(int64_t when_mono_ms, uint64_t connection_id) {
    entries_.erase({when_mono_ms, connection_id});
  }
  std::optional<int64_t> NextDeadline() const {
    if (entries_.empty()) return std::nullopt;
    return entries_.begin()->first;
  }
  // Removes and returns the connections whose deadline is <= now, earliest first.
  std::vector<uint64_t> PopExpired(int64_t now_mono_ms) {
    std::vector<uint64_t> due;
    while (!entries_.empty() && entries_.begin()->first <= now_mono_ms) {
      due.push_back(entries_.begin()->second);
      entries_.erase(entries_.begin());
    }
    return due;
  }
  size_t size() const { return entries_.size(); }

 private:
  std::set<std::pair<int64_t, uint64_t>> entries_;
};

}  // namespace devmongod::server
