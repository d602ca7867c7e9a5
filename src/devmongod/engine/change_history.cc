#include "devmongod/engine/change_history.h"

#include <algorithm>

namespace devmongod {

void ChangeHistory::Append(ChangeEvent event) {
  events_.push_back(std::move(event));
  while (events_.size() > capacity_) {
    evicted_seq_ = events_.front().seq;
    evicted_ts_ = events_.front().ts;
    events_.pop_front();
  }
}

const ChangeEvent* ChangeHistory::At(uint64_t seq) const {
  if (events_.empty() || seq < events_.front().seq || seq > events_.back().seq) return nullptr;
  // Sequences are contiguous, so the offset is the index.
  return &events_[seq - events_.front().seq];
}

ChangeHistory::PositionCheck ChangeHistory::Check(uint64_t seq, Timestamp ts) const {
  if (seq > last_seq()) return PositionCheck::kNotFound;
  if (seq < evicted_seq_) return PositionCheck::kLost;
  return TimestampAt(seq) == ts ? PositionCheck::kOk : PositionCheck::kNotFound;
}

Timestamp ChangeHistory::TimestampAt(uint64_t seq) const {
  if (seq == evicted_seq_) return evicted_ts_;
  const ChangeEvent* event = At(seq);
  return event ? event->ts : Timestamp{};
}

bool ChangeHistory::PositionBefore(Timestamp t, uint64_t* position) const {
  // An evicted event could have had a timestamp >= t.
  if (evicted_seq_ != 0 && t <= evicted_ts_) return false;
  auto first_at_or_after =
      std::lower_bound(events_.begin(), events_.end(), t,
                       [](const ChangeEvent& e, Timestamp value) { return e.ts < value; });
  if (first_at_or_after == events_.begin()) {
    *position = evicted_seq_;
  } else {
    *position = std::prev(first_at_or_after)->seq;
  }
  return true;
}

}  // namespace devmongod
