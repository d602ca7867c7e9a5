// The BSON payloads of devmongod's journal records, one per write:
//   {op:"create", db, coll}
//   {op:"insert", db, coll, docs:[{doc, seq, ts, wall}], rw?}
//   {op:"delete", db, coll, docs:[{id, seq, ts, wall}], rw?}
//   {op:"change", db, coll, docs:[{kind, doc | id, updated?, removed?, seq, ts, wall}], rw?}
//      (update and findAndModify: kind insert, update, replace or delete)
//   {op:"drop", db, coll, seq, ts, wall}
//   {op:"dropDatabase", db, coll:"-", seq, ts, wall}  (after its collections' drops)
//   {op:"rename", db, coll, to, seq, ts, wall}
//   {op:"createIndexes", db, coll, indexes:[{name, key, unique}]}
//   {op:"dropIndexes", db, coll, names:[name, ...]}
// where rw = {session: BinData, txn: Int64, reply: {...}} rebuilds the
// retryable-write table, and seq/ts/wall rebuild the change history exactly
// (same sequence numbers and cluster times, so old resume tokens stay valid).
// Thread-safety: free functions without shared state.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <string>

#include "common/bson_ptr.h"
#include "devmongod/engine/change_history.h"

namespace devmongod {

struct RetryableWriteKey {
  std::string session;  // lsid.id bytes
  int64_t txn_number = 0;
};

// Starts a record {op, db, coll}.
common::BsonPtr NewJournalEntry(const char* op, const std::string& db, const std::string& coll);
void AppendStamp(bson_t* doc, const EventStamp& stamp);
bool ReadStamp(const bson_t& doc, EventStamp* stamp);
void AppendRetryableWrite(bson_t* entry, const RetryableWriteKey& key, const bson_t& reply);
// Appends {name, key, unique} as element `position` of a createIndexes
// record's `indexes` array.
void AppendIndexSpec(bson_t* indexes, uint32_t position, const std::string& name, const bson_t& key,
                     bool unique);

}  // namespace devmongod
