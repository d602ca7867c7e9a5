#include "bench/latency_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace bench {

void LatencyStats::Add(int64_t micros) {
  // Clocks of poster and reader are the same machine's CLOCK_REALTIME, but a
  // step of the clock could still make a sample negative: clamp, not wrap.
  int64_t clamped = std::clamp<int64_t>(micros, 0, std::numeric_limits<uint32_t>::max());
  samples_.push_back(static_cast<uint32_t>(clamped));
  sorted_ = false;
}

double LatencyStats::PercentileMs(double q) {
  if (samples_.empty()) return 0;
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(samples_.size())));
  size_t index = rank == 0 ? 0 : std::min(rank, samples_.size()) - 1;
  return samples_[index] / 1000.0;
}

common::CjsonPtr LatencyStats::ToJson() {
  common::CjsonPtr stats(cJSON_CreateObject());
  cJSON_AddNumberToObject(stats.get(), "count", static_cast<double>(samples_.size()));
  for (auto [name, q] : {std::pair<const char*, double>{"p50_ms", 0.5},
                         {"p90_ms", 0.9},
                         {"p99_ms", 0.99},
                         {"max_ms", 1.0}}) {
    // Samples are whole microseconds, so three decimals are exact.
    cJSON_AddNumberToObject(stats.get(), name, std::round(PercentileMs(q) * 1000.0) / 1000.0);
  }
  return stats;
}

}  // namespace bench
