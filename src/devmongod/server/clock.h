// The two clocks the engine contract uses, in milliseconds.
// Thread-safety: stateless.
#pragma once

#include <time.h>

#include <cstdint>

namespace devmongod::server {

inline int64_t ReadClockMs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}
inline int64_t MonoNowMs() { return ReadClockMs(CLOCK_MONOTONIC); }
inline int64_t WallNowMs() { return ReadClockMs(CLOCK_REALTIME); }

}  // namespace devmongod::server
