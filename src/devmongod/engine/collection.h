// One collection: its documents in insertion (natural) order and its
// indexes. Unique indexes (always including {_id: 1} "_id_") keep an ordered
// key -> document map so inserts can be checked for duplicates in O(log n);
// other indexes are only recorded (devmongod scans, it does not plan).
// Key values compare with query::CompareValues, so 1 and 1.0 collide as in
// mongod, and a missing field indexes as null.
// Thread-safety: single-threaded, owned by the engine's catalog.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <vector>

#include "common/bson_ptr.h"
#include "devmongod/engine/command_error.h"

namespace devmongod {

// The key values of one document for one index, as a BSON document whose
// fields are "0", "1", ... in key-pattern order.
struct IndexKeyLess {
  bool operator()(const common::BsonPtr& a, const common::BsonPtr& b) const;
};

struct Index {
  std::string name;
  common::BsonPtr key;  // the key pattern, e.g. {room: 1, ts: -1}
  std::vector<std::string> fields;
  bool unique = false;
  // Every document's key: duplicate checks for unique indexes, equality
  // lookups for all. Array values are indexed whole, so an index that has
  // seen one ("multikey") is not used for lookups (mongod matches elements).
  std::multimap<common::BsonPtr, uint64_t, IndexKeyLess> entries;
  bool multikey = false;
};

class Collection {
 public:
  using RecordId = uint64_t;

  Collection();
  Collection(const Collection&) = delete;
  Collection& operator=(const Collection&) = delete;
  Collection(Collection&&) = default;
  Collection& operator=(Collection&&) = default;

  struct DuplicateKey {
    std::string index_name;
    common::BsonPtr key_pattern;
    common::BsonPtr key_value;  // {field: value, ...}
  };
  // Takes `doc` (which must have an _id) unless a unique index already holds its key.
  std::expected<RecordId, DuplicateKey> Insert(common::BsonPtr doc);
  void Remove(RecordId id) { Take(id); }
  // Puts `doc` in the place of record `id` (same _id), unless a unique index
  // already holds one of its new keys; then nothing changes.
  std::expected<void, DuplicateKey> Replace(RecordId id, common::BsonPtr doc);
  // Removes the document and hands it over (null if there is none).
  common::BsonPtr Take(RecordId id);
  // Removes an index added by AddIndex (a write that could not be journaled).
  void DropIndex(const std::string& name);
  // Finds the document whose _id equals `id`.
  bool FindById(const bson_value_t& id, RecordId* out) const;

  // Adds an index. Returns false (and changes nothing) when an identical index
  // exists; an error for a conflicting one or when a unique index would be
  // violated by the documents already here.
  std::expected<bool, CommandError> AddIndex(const std::string& name, const bson_t& key,
                                             bool unique, const std::string& ns);

  // Calls visit(id, doc) in natural order for every document that may match
  // `filter`: those an index finds for a top-level equality on a scalar when
  // one applies, else all of them. `visit` returns false to stop. The caller
  // still applies the full filter.
  template <typename Visit>
  void ForEachCandidate(const bson_t& filter, Visit visit) const {
    std::vector<RecordId> candidates;
    if (!CandidatesForEquality(filter, &candidates)) {
      for (const auto& [id, doc] : documents_) {
        if (!visit(id, *doc)) return;
      }
      return;
    }
    for (RecordId id : candidates) {
      if (!visit(id, *documents_.at(id))) return;
    }
  }

  // Calls visit(id, doc) in _id order (the _id index's), descending when
  // asked; `visit` returns false to stop. A sorted, limited find walks this
  // instead of sorting the collection (mongod uses the _id index the same way).
  template <typename Visit>
  void ForEachInIdOrder(bool descending, Visit visit) const {
    const auto& entries = indexes_.front().entries;  // _id_ is always first
    if (descending) {
      for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        if (!visit(it->second, *documents_.at(it->second))) return;
      }
    } else {
      for (const auto& [key, id] : entries) {
        if (!visit(id, *documents_.at(id))) return;
      }
    }
  }

  const std::map<RecordId, common::BsonPtr>& documents() const { return documents_; }
  const std::vector<Index>& indexes() const { return indexes_; }
  size_t size() const { return documents_.size(); }

 private:
  // The index key of `doc`; sets *has_array when an indexed value is an array.
  static common::BsonPtr KeyOf(const Index& index, const bson_t& doc, bool* has_array = nullptr);
  bool CandidatesForEquality(const bson_t& filter, std::vector<RecordId>* out) const;
  static common::BsonPtr NamedKeyValue(const Index& index, const bson_t& key);
  std::expected<RecordId, DuplicateKey> InsertAs(RecordId id, common::BsonPtr doc);

  std::map<RecordId, common::BsonPtr> documents_;
  std::vector<Index> indexes_;
  RecordId next_id_ = 1;
};

// mongod's message for a duplicate key.
std::string DuplicateKeyMessage(const std::string& ns, const Collection::DuplicateKey& dup);

// Whether `key` is an acceptable index key pattern; fills the field list.
std::expected<std::vector<std::string>, CommandError> ParseKeyPattern(const bson_t& key);
// mongod's default index name for a key pattern: "a_1_b_-1".
std::string DefaultIndexName(const bson_t& key);

}  // namespace devmongod
