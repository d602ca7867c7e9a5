// The change-event history: a bounded ring of the most recent change events
// (oplog_entries of them), each with a global sequence number (1, 2, 3...,
// contiguous) and a strictly increasing cluster Timestamp.
//
// Change-stream cursors are positions in this history ("seen everything up to
// sequence N"), so a waiting getMore only looks at events after its position.
// Positions whose successors were evicted can no longer be resumed.
// Thread-safety: single-threaded, owned by the engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "common/bson_ptr.h"
#include "devmongod/engine/cluster_clock.h"

namespace devmongod {

// Where a change event sits: its sequence number, cluster time and wall time.
struct EventStamp {
  uint64_t seq = 0;
  Timestamp ts;
  int64_t wall_ms = 0;
};

struct ChangeEvent {
  // Stored in journal "event" records by number: append only.
  enum class Kind { kInsert, kDelete, kDrop, kUpdate, kReplace, kDropDatabase, kRename };
  uint64_t seq = 0;
  Timestamp ts;
  int64_t wall_ms = 0;
  Kind kind = Kind::kInsert;
  std::string db;
  std::string coll;
  common::BsonPtr doc;  // the event document as streams return it
};

class ChangeHistory {
 public:
  explicit ChangeHistory(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  ChangeHistory(const ChangeHistory&) = delete;
  ChangeHistory& operator=(const ChangeHistory&) = delete;

  // `event.seq` must be last_seq() + 1; the oldest event is evicted when full.
  void Append(ChangeEvent event);

  uint64_t last_seq() const { return events_.empty() ? evicted_seq_ : events_.back().seq; }
  size_t size() const { return events_.size(); }

  const std::deque<ChangeEvent>& events() const { return events_; }
  uint64_t evicted_seq() const { return evicted_seq_; }
  Timestamp evicted_ts() const { return evicted_ts_; }
  // Replay of a compacted journal: the history starts after (seq, ts).
  // Only valid while the history is empty.
  void SetBase(uint64_t seq, Timestamp ts) {
    if (!events_.empty()) return;
    evicted_seq_ = seq;
    evicted_ts_ = ts;
  }

  // The event with this sequence number, or null if it is not kept.
  const ChangeEvent* At(uint64_t seq) const;

  enum class PositionCheck { kOk, kLost, kNotFound };
  // Can a stream resume after (seq, ts)? kLost: events after it were evicted.
  // kNotFound: no event (seq, ts) ever existed here (future sequence, or the
  // timestamp differs: a token from another history).
  PositionCheck Check(uint64_t seq, Timestamp ts) const;
  // Whether the events following `seq` are all still kept.
  bool IsResumable(uint64_t seq) const { return seq >= evicted_seq_; }
  // The timestamp of position `seq` (for high-water-mark tokens); requires
  // IsResumable(seq) and seq <= last_seq().
  Timestamp TimestampAt(uint64_t seq) const;

  // The position just before the first event with clusterTime >= t: the
  // largest kept sequence whose timestamp is < t. False if events at or after
  // t may already have been evicted.
  bool PositionBefore(Timestamp t, uint64_t* position) const;

 private:
  size_t capacity_;
  std::deque<ChangeEvent> events_;
  // The newest evicted event (0 and Timestamp{} before any eviction): the
  // oldest position that can still be resumed.
  uint64_t evicted_seq_ = 0;
  Timestamp evicted_ts_;
};

}  // namespace devmongod
