#include "chat/metrics/recorder.h"

#include <algorithm>

namespace chat::metrics {
namespace {

template <size_t kBounds>
void Observe(MetricsBlock& block, size_t buckets, size_t sum, size_t count,
             const std::array<double, kBounds>& bounds, int64_t microseconds) {
  const double seconds = static_cast<double>(microseconds) / 1e6;
  // The first bucket whose upper bound holds the value; +Inf past the last.
  const size_t bucket =
      static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin());
  block.slots[buckets + bucket].fetch_add(1, std::memory_order_relaxed);
  block.slots[sum].fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, microseconds)),
                             std::memory_order_relaxed);
  block.slots[count].fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

StatusClass StatusClassOf(int status) {
  if (status < 300) return StatusClass::k2xx;
  if (status < 400) return StatusClass::k3xx;
  if (status < 500) return StatusClass::k4xx;
  return StatusClass::k5xx;
}

Recorder Recorder::Open(const std::string& dir, Pool pool, std::string* warning) {
  if (!dir.empty()) {
    auto file = MetricsFile::Open(dir, pool);
    if (file) return Recorder(std::move(*file), nullptr);
    if (warning) *warning = file.error();
  }
  auto own = std::make_unique<MetricsBlock>();
  for (auto& value : own->slots) value.store(0, std::memory_order_relaxed);
  return Recorder(std::nullopt, std::move(own));
}

void Recorder::PostLatency(int64_t microseconds) {
  Observe(*block_, slot::kPostBuckets, slot::kPostSumUs, slot::kPostCount, kPostSecondsBounds,
          microseconds);
}

void Recorder::StreamDuration(int64_t microseconds) {
  Observe(*block_, slot::kStreamBuckets, slot::kStreamSumUs, slot::kStreamCount,
          kStreamSecondsBounds, microseconds);
}

void Recorder::PoolState(int idle, int busy, int max_workers, int64_t pid) {
  Set(slot::kPoolIdle, static_cast<uint64_t>(std::max(0, idle)));
  Set(slot::kPoolBusy, static_cast<uint64_t>(std::max(0, busy)));
  Set(slot::kPoolMaxWorkers, static_cast<uint64_t>(std::max(0, max_workers)));
  Set(slot::kPoolPid, static_cast<uint64_t>(std::max<int64_t>(0, pid)));
}

}  // namespace chat::metrics
