#include "chat/metrics/metrics_block.h"

namespace chat::metrics {

Snapshot TakeSnapshot(const MetricsBlock& block, Pool pool) {
  Snapshot snapshot;
  snapshot.pool = pool;
  for (size_t i = 0; i < slot::kCount; ++i) {
    snapshot.values[i] = block.slots[i].load(std::memory_order_relaxed);
  }
  return snapshot;
}

}  // namespace chat::metrics
