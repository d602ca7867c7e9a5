#include "bench/latency_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace chat::bench {

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

std::string LatencyStats::ToJson() {
  char text[256];
  std::snprintf(text, sizeof text,
                "{\"count\":%zu,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}",
                samples_.size(), PercentileMs(0.5), PercentileMs(0.9), PercentileMs(0.99),
                PercentileMs(1.0));
  return text;
}

}  // namespace chat::bench
