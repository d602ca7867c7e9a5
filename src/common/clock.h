// The wall clock and the monotonic clock, in the units the programs use.
// Wall time is for timestamps people read (logs, createdAt, ids); monotonic
// time for every duration and deadline, since the wall clock may jump.
// Thread-safety: stateless.
#pragma once

#include <time.h>

#include <cstdint>

namespace common {

inline int64_t ReadClockUs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}
inline int64_t ReadClockMs(clockid_t clock) { return ReadClockUs(clock) / 1000; }

inline int64_t WallUs() { return ReadClockUs(CLOCK_REALTIME); }
inline int64_t WallMs() { return ReadClockMs(CLOCK_REALTIME); }
inline int64_t MonotonicUs() { return ReadClockUs(CLOCK_MONOTONIC); }
inline int64_t MonotonicMs() { return ReadClockMs(CLOCK_MONOTONIC); }

}  // namespace common
