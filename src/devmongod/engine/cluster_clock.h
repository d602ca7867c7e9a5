// MongoDB cluster time: Timestamp(t = Unix seconds, i = increment within the
// second). Every write gets a strictly larger one, even if the wall clock
// steps backwards (t then stays where it was and only i grows), because
// change-stream resumption and startAtOperationTime rely on the order.
// Thread-safety: single-threaded value type.
#pragma once

#include <compare>
#include <cstdint>

namespace devmongod {

struct Timestamp {
  uint32_t t = 0;
  uint32_t i = 0;
  auto operator<=>(const Timestamp&) const = default;
  uint64_t AsU64() const { return (static_cast<uint64_t>(t) << 32) | i; }
  static Timestamp FromU64(uint64_t v) {
    return Timestamp{static_cast<uint32_t>(v >> 32), static_cast<uint32_t>(v)};
  }
  // The smallest Timestamp after this one (mongod's "addTicks(1)").
  Timestamp NextTick() const { return i == UINT32_MAX ? Timestamp{t + 1, 0} : Timestamp{t, i + 1}; }
};

class ClusterClock {
 public:
  // The current time before any write: (now, 0), so the first write of this
  // second (i = 1) is after it.
  explicit ClusterClock(int64_t now_wall_ms) : last_{SecondsOf(now_wall_ms), 0} {}

  // The cluster time replies report (the last one handed out).
  Timestamp Current() const { return last_; }
  // The time for the next write.
  Timestamp Next(int64_t now_wall_ms);
  // Replay: never hand out anything at or below `seen`.
  void Observe(Timestamp seen) {
    if (seen > last_) last_ = seen;
  }

 private:
  static uint32_t SecondsOf(int64_t wall_ms) {
    return wall_ms <= 0 ? 0u : static_cast<uint32_t>(wall_ms / 1000);
  }
  Timestamp last_;
};

}  // namespace devmongod
