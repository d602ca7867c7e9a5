// Retryable-write bookkeeping: for each logical session (lsid.id) the last
// txnNumber it wrote with and the reply it got. A retry of the same
// (lsid, txnNumber) gets the remembered reply and writes nothing, which is
// what makes a driver's automatic retry after a network error safe.
// Bounded: the least recently used sessions are forgotten beyond `capacity`.
// Thread-safety: single-threaded, owned by the engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

#include "common/bson_ptr.h"

namespace devmongod {

class RetryableWrites {
 public:
  explicit RetryableWrites(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  RetryableWrites(const RetryableWrites&) = delete;
  RetryableWrites& operator=(const RetryableWrites&) = delete;

  // The remembered reply when (session, txn_number) already ran, else null.
  const bson_t* Find(const std::string& session, int64_t txn_number);
  void Remember(const std::string& session, int64_t txn_number, common::BsonPtr reply);
  size_t size() const { return entries_.size(); }
  // Least recently used first, so remembering them in this order rebuilds
  // the same recency.
  template <typename Visit>
  void ForEachOldestFirst(Visit visit) const {
    for (auto it = lru_.rbegin(); it != lru_.rend(); ++it) {
      const Entry& entry = entries_.at(*it);
      visit(*it, entry.txn_number, *entry.reply);
    }
  }

 private:
  struct Entry {
    int64_t txn_number = 0;
    common::BsonPtr reply;
    std::list<std::string>::iterator lru;
  };
  void Touch(Entry& entry);

  size_t capacity_;
  std::list<std::string> lru_;  // most recently used at the front
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace devmongod
