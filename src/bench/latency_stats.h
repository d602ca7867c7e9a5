// A bag of latency samples (microseconds) and its percentiles. Samples are
// kept exactly (4 bytes each), so percentiles are exact, not estimated: a
// full fan-out run is well under a million samples.
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/cjson_ptr.h"

namespace bench {

class LatencyStats {
 public:
  void Add(int64_t micros);
  size_t count() const { return samples_.size(); }
  // Nearest-rank percentile in milliseconds (q in [0, 1]); 0 when empty.
  double PercentileMs(double q);
  // {"count":..,"p50_ms":..,"p90_ms":..,"p99_ms":..,"max_ms":..}
  common::CjsonPtr ToJson();

 private:
  std::vector<uint32_t> samples_;
  bool sorted_ = true;
};

}  // namespace bench
