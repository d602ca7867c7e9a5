#include "devmongod/engine/change_event_builder.h"

namespace devmongod {
namespace {

void AppendHead(bson_t* doc, const ResumeToken& token, const char* operation, int64_t wall_ms) {
  AppendResumeToken(doc, "_id", token);
  bson_append_utf8(doc, "operationType", -1, operation, -1);
  bson_append_timestamp(doc, "clusterTime", -1, token.ts.t, token.ts.i);
  bson_append_date_time(doc, "wallTime", -1, wall_ms);
}

void AppendNs(bson_t* doc, const std::string& db, const std::string& coll) {
  bson_t ns;
  bson_append_document_begin(doc, "ns", 2, &ns);
  bson_append_utf8(&ns, "db", 2, db.data(), static_cast<int>(db.size()));
  bson_append_utf8(&ns, "coll", 4, coll.data(), static_cast<int>(coll.size()));
  bson_append_document_end(doc, &ns);
}

void AppendDocumentKey(bson_t* doc, const bson_value_t& id) {
  bson_t key;
  bson_append_document_begin(doc, "documentKey", -1, &key);
  bson_append_value(&key, "_id", 3, &id);
  bson_append_document_end(doc, &key);
}

}  // namespace

chat::BsonPtr BuildInsertEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                               const std::string& coll, const bson_t& full_document) {
  chat::BsonPtr doc = chat::NewBson();
  AppendHead(doc.get(), token, "insert", wall_ms);
  bson_append_document(doc.get(), "fullDocument", -1, &full_document);
  AppendNs(doc.get(), db, coll);
  bson_iter_t id;
  if (bson_iter_init_find(&id, &full_document, "_id"))
    AppendDocumentKey(doc.get(), *bson_iter_value(&id));
  return doc;
}

chat::BsonPtr BuildDeleteEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                               const std::string& coll, const bson_value_t& id) {
  chat::BsonPtr doc = chat::NewBson();
  AppendHead(doc.get(), token, "delete", wall_ms);
  AppendNs(doc.get(), db, coll);
  AppendDocumentKey(doc.get(), id);
  return doc;
}

chat::BsonPtr BuildDropEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                             const std::string& coll) {
  chat::BsonPtr doc = chat::NewBson();
  AppendHead(doc.get(), token, "drop", wall_ms);
  AppendNs(doc.get(), db, coll);
  return doc;
}

chat::BsonPtr BuildInvalidateEvent(const ResumeToken& token, int64_t wall_ms) {
  chat::BsonPtr doc = chat::NewBson();
  AppendHead(doc.get(), token, "invalidate", wall_ms);
  return doc;
}

}  // namespace devmongod
