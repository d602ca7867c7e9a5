#include "devmongod/engine/change_event_builder.h"

#include <string_view>

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

// insert and replace: the whole document, and its _id as the key.
common::BsonPtr BuildDocumentEvent(const char* operation, const ResumeToken& token, int64_t wall_ms,
                                   const std::string& db, const std::string& coll,
                                   const bson_t& full_document) {
  common::BsonPtr doc = common::NewBson();
  AppendHead(doc.get(), token, operation, wall_ms);
  bson_append_document(doc.get(), "fullDocument", -1, &full_document);
  AppendNs(doc.get(), db, coll);
  bson_iter_t id;
  if (bson_iter_init_find(&id, &full_document, "_id"))
    AppendDocumentKey(doc.get(), *bson_iter_value(&id));
  return doc;
}

}  // namespace

common::BsonPtr BuildInsertEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                                 const std::string& coll, const bson_t& full_document) {
  return BuildDocumentEvent("insert", token, wall_ms, db, coll, full_document);
}

common::BsonPtr BuildDeleteEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                                 const std::string& coll, const bson_value_t& id) {
  common::BsonPtr doc = common::NewBson();
  AppendHead(doc.get(), token, "delete", wall_ms);
  AppendNs(doc.get(), db, coll);
  AppendDocumentKey(doc.get(), id);
  return doc;
}

common::BsonPtr BuildUpdateEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                                 const std::string& coll, const bson_value_t& id,
                                 const bson_t& updated_fields, const bson_t& removed_fields) {
  common::BsonPtr doc = common::NewBson();
  AppendHead(doc.get(), token, "update", wall_ms);
  AppendNs(doc.get(), db, coll);
  AppendDocumentKey(doc.get(), id);
  bson_t description, truncated;
  bson_append_document_begin(doc.get(), "updateDescription", -1, &description);
  bson_append_document(&description, "updatedFields", -1, &updated_fields);
  bson_append_array(&description, "removedFields", -1, &removed_fields);
  bson_append_array_begin(&description, "truncatedArrays", -1, &truncated);
  bson_append_array_end(&description, &truncated);
  bson_append_document_end(doc.get(), &description);
  return doc;
}

common::BsonPtr BuildReplaceEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                                  const std::string& coll, const bson_t& full_document) {
  return BuildDocumentEvent("replace", token, wall_ms, db, coll, full_document);
}

common::BsonPtr WithFullDocument(const bson_t& event, const bson_t* full_document) {
  common::BsonPtr out = common::NewBson();
  bson_iter_t field;
  bson_iter_init(&field, &event);
  while (bson_iter_next(&field)) {
    const std::string_view key = bson_iter_key(&field);
    if (key == "fullDocument") continue;
    bson_append_iter(out.get(), bson_iter_key(&field), -1, &field);
    if (key == "wallTime") {
      if (full_document)
        bson_append_document(out.get(), "fullDocument", -1, full_document);
      else
        bson_append_null(out.get(), "fullDocument", -1);
    }
  }
  return out;
}

common::BsonPtr BuildDropEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                               const std::string& coll) {
  common::BsonPtr doc = common::NewBson();
  AppendHead(doc.get(), token, "drop", wall_ms);
  AppendNs(doc.get(), db, coll);
  return doc;
}

common::BsonPtr BuildDropDatabaseEvent(const ResumeToken& token, int64_t wall_ms,
                                       const std::string& db) {
  common::BsonPtr doc = common::NewBson();
  AppendHead(doc.get(), token, "dropDatabase", wall_ms);
  bson_t ns;
  bson_append_document_begin(doc.get(), "ns", 2, &ns);
  bson_append_utf8(&ns, "db", 2, db.data(), static_cast<int>(db.size()));
  bson_append_document_end(doc.get(), &ns);
  return doc;
}

common::BsonPtr BuildRenameEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                                 const std::string& from, const std::string& to) {
  common::BsonPtr doc = common::NewBson();
  AppendHead(doc.get(), token, "rename", wall_ms);
  AppendNs(doc.get(), db, from);
  common::BsonPtr target = common::NewBson();
  AppendNs(target.get(), db, to);
  bson_iter_t ns;
  bson_iter_init_find(&ns, target.get(), "ns");
  bson_append_iter(doc.get(), "to", 2, &ns);
  return doc;
}

common::BsonPtr BuildInvalidateEvent(const ResumeToken& token, int64_t wall_ms) {
  common::BsonPtr doc = common::NewBson();
  AppendHead(doc.get(), token, "invalidate", wall_ms);
  return doc;
}

}  // namespace devmongod
