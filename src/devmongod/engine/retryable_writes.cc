#include "devmongod/engine/retryable_writes.h"

namespace devmongod {

void RetryableWrites::Touch(Entry& entry) { lru_.splice(lru_.begin(), lru_, entry.lru); }

const bson_t* RetryableWrites::Find(const std::string& session, int64_t txn_number) {
  auto it = entries_.find(session);
  if (it == entries_.end() || it->second.txn_number != txn_number) return nullptr;
  Touch(it->second);
  return it->second.reply.get();
}

void RetryableWrites::Remember(const std::string& session, int64_t txn_number,
                               common::BsonPtr reply) {
  auto it = entries_.find(session);
  if (it != entries_.end()) {
    it->second.txn_number = txn_number;
    it->second.reply = std::move(reply);
    Touch(it->second);
    return;
  }
  lru_.push_front(session);
  entries_.emplace(session, Entry{txn_number, std::move(reply), lru_.begin()});
  while (entries_.size() > capacity_) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
}

}  // namespace devmongod
