// The chat's metrics as they live in shared memory: one block per program
// (stream-messages, messages), a flat array of 64-bit atomic slots that every
// process of that program (the pool, its forked or exec'd workers, separate
// processes started by spawn-fcgi) maps from the same file and updates with
// relaxed atomic adds. Counters therefore outlive the workers that made them:
// a recycled or crashed worker's counts stay in the file.
//
// The slot layout is fixed by the enums below; adding a metric appends slots
// and bumps kLayoutVersion (a file of another version is recreated).
//
// Thread-safety: slots are std::atomic<uint64_t>, lock-free and address-free
// on every platform we build for (checked below), so they may be shared
// between processes.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace chat::metrics {

enum class Endpoint : uint8_t {
  kStream,
  kPost,
  kHistory,
  kOneMessage,
  kMe,
  kHealth,
  kMetrics,
  kOther,
  kCount
};
enum class StatusClass : uint8_t { k2xx, k3xx, k4xx, k5xx, kCount };
enum class SseEvent : uint8_t { kMessage, kUpdate, kDelete, kHeartbeat, kReset, kError, kCount };
enum class ResumeOutcome : uint8_t { kResumed, kHistoryLost, kInvalidId, kCount };
enum class DbErrorKind : uint8_t {
  kUnavailable,
  kHistoryLost,
  kInvalidToken,
  kDuplicateKey,
  kOther,
  kCount
};
enum class WorkerExit : uint8_t { kNormal, kRecycled, kCrashed, kKilled, kCount };
enum class Pool : uint8_t { kStream, kMessages, kCount };

template <typename E>
constexpr size_t CountOf() {
  return static_cast<size_t>(E::kCount);
}

// Histogram upper bounds (seconds); each histogram also has a +Inf bucket,
// a sum (in microseconds) and a count.
inline constexpr std::array<double, 11> kPostSecondsBounds = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
inline constexpr std::array<double, 9> kStreamSecondsBounds = {1,   5,    15,   60,   300,
                                                               600, 1800, 3600, 86400};

// Slot offsets, in layout order.
namespace slot {
inline constexpr size_t kRequests = 0;  // [endpoint][status class]
inline constexpr size_t kPostBuckets =
    kRequests + CountOf<Endpoint>() * CountOf<StatusClass>();  // bounds + 1 (+Inf)
inline constexpr size_t kPostSumUs = kPostBuckets + kPostSecondsBounds.size() + 1;
inline constexpr size_t kPostCount = kPostSumUs + 1;
inline constexpr size_t kStreamBuckets = kPostCount + 1;
inline constexpr size_t kStreamSumUs = kStreamBuckets + kStreamSecondsBounds.size() + 1;
inline constexpr size_t kStreamCount = kStreamSumUs + 1;
inline constexpr size_t kStreamsStarted = kStreamCount + 1;
inline constexpr size_t kStreamsEnded = kStreamsStarted + 1;
inline constexpr size_t kSseEvents = kStreamsEnded + 1;  // [event kind]
inline constexpr size_t kSseBytes = kSseEvents + CountOf<SseEvent>();
inline constexpr size_t kResumes = kSseBytes + 1;                         // [outcome]
inline constexpr size_t kDbErrors = kResumes + CountOf<ResumeOutcome>();  // [kind]
inline constexpr size_t kChangeStreamReopens = kDbErrors + CountOf<DbErrorKind>();
inline constexpr size_t kRejected = kChangeStreamReopens + 1;  // [pool]
// Written by the program's pool, when there is one.
inline constexpr size_t kPoolIdle = kRejected + CountOf<Pool>();
inline constexpr size_t kPoolBusy = kPoolIdle + 1;
inline constexpr size_t kPoolMaxWorkers = kPoolBusy + 1;
inline constexpr size_t kPoolSpawned = kPoolMaxWorkers + 1;
inline constexpr size_t kPoolExited = kPoolSpawned + 1;                  // [cause]
inline constexpr size_t kPoolPid = kPoolExited + CountOf<WorkerExit>();  // 0: no pool
inline constexpr size_t kCount = kPoolPid + 1;
}  // namespace slot

inline constexpr uint64_t kMagic = 0x31'54'45'4d'54'41'48'43;  // "CHATMET1", little-endian
inline constexpr uint32_t kLayoutVersion = 1;

struct alignas(64) MetricsBlock {
  std::atomic<uint64_t> magic;
  std::atomic<uint32_t> version;
  std::atomic<uint32_t> slot_count;
  std::array<std::atomic<uint64_t>, slot::kCount> slots;
};

static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "metrics slots must be lock-free to be shared between processes");

// A copy of one program's slots, read slot by slot (not one atomic
// snapshot: a scrape may see a request counted whose latency is not yet,
// which Prometheus tolerates).
struct Snapshot {
  Pool pool = Pool::kStream;  // which program: the stream pool's or the messages pool's
  std::array<uint64_t, slot::kCount> values{};

  uint64_t at(size_t index) const { return values[index]; }
};

Snapshot TakeSnapshot(const MetricsBlock& block, Pool pool);

}  // namespace chat::metrics
