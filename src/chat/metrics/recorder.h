// What a worker (or its pool) counts, and where: the program's shared
// metrics file when CHAT_METRICS_DIR is set and the file opens, else a
// block private to this process (counting still works, nobody reads it).
// Thread-safety: every method may be called from any thread (relaxed atomic
// adds on the block).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "chat/metrics/metrics_block.h"
#include "chat/metrics/metrics_file.h"

namespace chat::metrics {

StatusClass StatusClassOf(int status);

class Recorder {
 public:
  // `dir` empty: private. A file that cannot be opened is reported in
  // *warning (for one log line) and counting goes private.
  static Recorder Open(const std::string& dir, Pool pool, std::string* warning);

  bool shared() const { return file_.has_value(); }

  void Request(Endpoint endpoint, int status) {
    Add(slot::kRequests + static_cast<size_t>(endpoint) * CountOf<StatusClass>() +
        static_cast<size_t>(StatusClassOf(status)));
  }
  void PostLatency(int64_t microseconds);
  void StreamDuration(int64_t microseconds);
  void StreamStarted() { Add(slot::kStreamsStarted); }
  void StreamEnded() { Add(slot::kStreamsEnded); }
  void Sse(SseEvent kind, uint64_t count = 1) {
    Add(slot::kSseEvents + static_cast<size_t>(kind), count);
  }
  void SseBytes(uint64_t bytes) { Add(slot::kSseBytes, bytes); }
  void Resume(ResumeOutcome outcome) { Add(slot::kResumes + static_cast<size_t>(outcome)); }
  void DatabaseError(DbErrorKind kind) { Add(slot::kDbErrors + static_cast<size_t>(kind)); }
  void ChangeStreamReopened(uint64_t count = 1) { Add(slot::kChangeStreamReopens, count); }
  void Rejected(Pool pool) { Add(slot::kRejected + static_cast<size_t>(pool)); }

  // The pool's part.
  void PoolState(int idle, int busy, int max_workers, int64_t pid);
  void PoolSpawned() { Add(slot::kPoolSpawned); }
  void PoolExited(WorkerExit cause) { Add(slot::kPoolExited + static_cast<size_t>(cause)); }

  const MetricsBlock& block() const { return *block_; }

 private:
  Recorder(std::optional<MetricsFile> file, std::unique_ptr<MetricsBlock> own)
      : file_(std::move(file)), own_(std::move(own)) {
    block_ = file_ ? &file_->block() : own_.get();
  }
  void Add(size_t index, uint64_t count = 1) {
    block_->slots[index].fetch_add(count, std::memory_order_relaxed);
  }
  void Set(size_t index, uint64_t value) {
    block_->slots[index].store(value, std::memory_order_relaxed);
  }

  std::optional<MetricsFile> file_;
  std::unique_ptr<MetricsBlock> own_;
  MetricsBlock* block_ = nullptr;
};

}  // namespace chat::metrics
