#include "devmongod/engine/journal_entries.h"

#include "devmongod/engine/bson_fields.h"

namespace devmongod {

common::BsonPtr NewJournalEntry(const char* op, const std::string& db, const std::string& coll) {
  common::BsonPtr entry = common::NewBson();
  BSON_APPEND_UTF8(entry.get(), "op", op);
  bson_append_utf8(entry.get(), "db", 2, db.data(), static_cast<int>(db.size()));
  bson_append_utf8(entry.get(), "coll", 4, coll.data(), static_cast<int>(coll.size()));
  return entry;
}

void AppendStamp(bson_t* doc, const EventStamp& stamp) {
  bson_append_int64(doc, "seq", 3, static_cast<int64_t>(stamp.seq));
  bson_append_timestamp(doc, "ts", 2, stamp.ts.t, stamp.ts.i);
  bson_append_date_time(doc, "wall", 4, stamp.wall_ms);
}

bool ReadStamp(const bson_t& doc, EventStamp* stamp) {
  bson_iter_t seq, ts, wall;
  if (!FindField(doc, "seq", &seq) || !BSON_ITER_HOLDS_INT64(&seq) || !FindField(doc, "ts", &ts) ||
      !BSON_ITER_HOLDS_TIMESTAMP(&ts) || !FindField(doc, "wall", &wall) ||
      !BSON_ITER_HOLDS_DATE_TIME(&wall)) {
    return false;
  }
  stamp->seq = static_cast<uint64_t>(bson_iter_int64(&seq));
  bson_iter_timestamp(&ts, &stamp->ts.t, &stamp->ts.i);
  stamp->wall_ms = bson_iter_date_time(&wall);
  return true;
}

void AppendRetryableWrite(bson_t* entry, const RetryableWriteKey& key, const bson_t& reply) {
  bson_t rw;
  bson_append_document_begin(entry, "rw", 2, &rw);
  bson_append_binary(&rw, "session", 7, BSON_SUBTYPE_BINARY,
                     reinterpret_cast<const uint8_t*>(key.session.data()),
                     static_cast<uint32_t>(key.session.size()));
  bson_append_int64(&rw, "txn", 3, key.txn_number);
  bson_append_document(&rw, "reply", 5, &reply);
  bson_append_document_end(entry, &rw);
}

void AppendIndexSpec(bson_t* indexes, uint32_t position, const std::string& name, const bson_t& key,
                     bool unique) {
  const std::string element = std::to_string(position);
  bson_t spec;
  bson_append_document_begin(indexes, element.c_str(), -1, &spec);
  BSON_APPEND_UTF8(&spec, "name", name.c_str());
  BSON_APPEND_DOCUMENT(&spec, "key", &key);
  BSON_APPEND_BOOL(&spec, "unique", unique);
  bson_append_document_end(indexes, &spec);
}

}  // namespace devmongod
