#include "devmongod/engine/cluster_clock.h"

namespace devmongod {

Timestamp ClusterClock::Next(int64_t now_wall_ms) {
  uint32_t now_s = SecondsOf(now_wall_ms);
  if (now_s > last_.t) {
    last_ = Timestamp{now_s, 1};
  } else if (last_.i == UINT32_MAX) {
    // 4 billion writes in one second cannot happen, but never wrap: borrow
    // the next second instead.
    last_ = Timestamp{last_.t + 1, 1};
  } else {
    ++last_.i;
  }
  return last_;
}

}  // namespace devmongod
