// Catalog commands: create, drop, dropDatabase, createIndexes, listIndexes,
// listCollections.
#include "devmongod/engine/bson_fields.h"
#include "devmongod/engine/engine_core.h"
#include "devmongod/engine/journal_entries.h"
#include "devmongod/engine/reply_builder.h"
#include "devmongod/query/query.h"

namespace devmongod {
namespace {

common::BsonPtr IndexDescription(const Index& index) {
  common::BsonPtr doc = common::NewBson();
  BSON_APPEND_INT32(doc.get(), "v", 2);
  BSON_APPEND_DOCUMENT(doc.get(), "key", index.key.get());
  bson_append_utf8(doc.get(), "name", 4, index.name.data(), static_cast<int>(index.name.size()));
  // mongod lists the _id index without `unique` (it is implicitly unique).
  if (index.unique && index.name != "_id_") BSON_APPEND_BOOL(doc.get(), "unique", true);
  return doc;
}

CommandError NamespaceNotFound() { return MakeError(26, "NamespaceNotFound", "ns not found"); }

}  // namespace

EngineCore::Result EngineCore::CmdCreate(const Call& call) {
  auto coll = ReadCollectionName(call.command, "create");
  if (!coll) return std::unexpected(coll.error());
  ++opcounters_.command;
  if (FindCollection(call.db, *coll) != nullptr) {
    return std::unexpected(MakeError(48, "NamespaceExists",
                                     "Collection " + call.db + "." + *coll + " already exists."));
  }
  if (auto refused = CheckWritable()) return std::unexpected(*refused);
  // Journal first, everywhere: memory never holds what the journal lacks.
  common::BsonPtr entry = NewJournalEntry("create", call.db, *coll);
  if (auto failed = Journal(*entry, call.ctx)) return std::unexpected(*failed);
  CreateCollection(call.db, *coll);
  return Outcome::Reply(common::NewBson());
}

EngineCore::Result EngineCore::CmdDrop(const Call& call) {
  auto coll = ReadCollectionName(call.command, "drop");
  if (!coll) return std::unexpected(coll.error());
  ++opcounters_.command;
  const Collection* collection = FindCollection(call.db, *coll);
  if (collection == nullptr) return std::unexpected(NamespaceNotFound());
  if (auto refused = CheckWritable()) return std::unexpected(*refused);
  const int32_t index_count = static_cast<int32_t>(collection->indexes().size());
  EventStamp stamp = NextStamp(call.ctx.now_wall_ms);
  common::BsonPtr entry = NewJournalEntry("drop", call.db, *coll);
  AppendStamp(entry.get(), stamp);
  if (auto failed = Journal(*entry, call.ctx)) return std::unexpected(*failed);
  DropCollection(call.db, *coll, stamp);
  common::BsonPtr reply = common::NewBson();
  BSON_APPEND_INT32(reply.get(), "nIndexesWas", index_count);
  std::string ns = call.db + "." + *coll;
  BSON_APPEND_UTF8(reply.get(), "ns", ns.c_str());
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::CmdDropDatabase(const Call& call) {
  ++opcounters_.command;
  if (auto refused = CheckWritable()) return std::unexpected(*refused);
  std::vector<std::string> names;
  if (auto database = databases_.find(call.db); database != databases_.end()) {
    for (const auto& [name, coll] : database->second) names.push_back(name);
  }
  // One drop (and journal record) per collection: collection streams get
  // their drop + invalidate exactly as for a single drop.
  for (const std::string& name : names) {
    EventStamp stamp = NextStamp(call.ctx.now_wall_ms);
    common::BsonPtr entry = NewJournalEntry("drop", call.db, name);
    AppendStamp(entry.get(), stamp);
    if (auto failed = Journal(*entry, call.ctx)) return std::unexpected(*failed);
    DropCollection(call.db, name, stamp);
  }
  // Then one dropDatabase event (mongod writes none for a database that did
  // not exist); a database stream ends with an invalidate after it.
  if (!names.empty()) {
    EventStamp stamp = NextStamp(call.ctx.now_wall_ms);
    common::BsonPtr entry = NewJournalEntry("dropDatabase", call.db, "-");
    AppendStamp(entry.get(), stamp);
    if (auto failed = Journal(*entry, call.ctx)) return std::unexpected(*failed);
    RecordDropDatabaseEvent(call.db, stamp);
  }
  common::BsonPtr reply = common::NewBson();
  BSON_APPEND_UTF8(reply.get(), "dropped", call.db.c_str());
  return Outcome::Reply(std::move(reply));
}

namespace {

struct IndexRequest {
  std::string name;
  common::BsonPtr key;
  bool unique = false;
};

// createIndexes' `indexes`, every spec checked before any index is built.
std::expected<std::vector<IndexRequest>, CommandError> ReadIndexRequests(const bson_t& command) {
  auto indexes = ReadOptionalArray(command, "indexes");
  if (!indexes) return std::unexpected(indexes.error());
  if (!*indexes) {
    return std::unexpected(
        FailedToParse("BSON field 'createIndexes.indexes' is missing but a required field"));
  }
  std::vector<IndexRequest> requests;
  bson_iter_t item;
  bson_iter_init(&item, indexes->get());
  while (bson_iter_next(&item)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&item)) {
      return std::unexpected(TypeMismatch("each element of 'indexes' must be an object"));
    }
    common::BsonPtr spec = CopySubDocument(item);
    auto key = ReadOptionalDocument(*spec, "key");
    if (!key) return std::unexpected(key.error());
    if (!*key) return std::unexpected(FailedToParse("index specification is missing 'key'"));
    if (auto pattern = ParseKeyPattern(**key); !pattern) return std::unexpected(pattern.error());
    auto name = ReadOptionalString(*spec, "name");
    if (!name) return std::unexpected(name.error());
    auto unique = ReadOptionalBool(*spec, "unique");
    if (!unique) return std::unexpected(unique.error());
    std::string index_name = name->value_or(DefaultIndexName(**key));
    if (index_name.empty()) return std::unexpected(BadValue("index name cannot be empty"));
    requests.push_back(
        IndexRequest{std::move(index_name), std::move(*key), unique->value_or(false)});
  }
  if (requests.empty()) {
    return std::unexpected(BadValue("Must specify at least one index to create"));
  }
  return requests;
}

}  // namespace

EngineCore::Result EngineCore::CmdCreateIndexes(const Call& call) {
  auto coll = ReadCollectionName(call.command, "createIndexes");
  if (!coll) return std::unexpected(coll.error());
  auto requests = ReadIndexRequests(call.command);
  if (!requests) return std::unexpected(requests.error());
  ++opcounters_.command;
  if (auto refused = CheckWritable()) return std::unexpected(*refused);

  Collection* collection = FindCollection(call.db, *coll);
  const bool created = collection == nullptr;
  if (created) {
    common::BsonPtr entry = NewJournalEntry("create", call.db, *coll);
    if (auto failed = Journal(*entry, call.ctx)) return std::unexpected(*failed);
    collection = &CreateCollection(call.db, *coll);
  }
  const int32_t before = static_cast<int32_t>(collection->indexes().size());
  common::BsonPtr added_specs = common::NewBson();
  std::vector<std::string> added_names;
  std::optional<CommandError> failure;
  for (const IndexRequest& request : *requests) {
    auto result =
        collection->AddIndex(request.name, *request.key, request.unique, call.db + "." + *coll);
    if (!result) {
      failure = result.error();
      break;
    }
    if (!*result) continue;
    AppendIndexSpec(added_specs.get(), static_cast<uint32_t>(added_names.size()), request.name,
                    *request.key, request.unique);
    added_names.push_back(request.name);
  }
  // Journal what was built even when a later spec failed: memory has it.
  if (!added_names.empty()) {
    common::BsonPtr entry = NewJournalEntry("createIndexes", call.db, *coll);
    BSON_APPEND_ARRAY(entry.get(), "indexes", added_specs.get());
    if (auto failed = Journal(*entry, call.ctx)) {
      for (const std::string& name : added_names) collection->DropIndex(name);
      return std::unexpected(*failed);
    }
  }
  if (failure) return std::unexpected(*failure);

  common::BsonPtr reply = common::NewBson();
  BSON_APPEND_INT32(reply.get(), "numIndexesBefore", before);
  BSON_APPEND_INT32(reply.get(), "numIndexesAfter",
                    static_cast<int32_t>(collection->indexes().size()));
  BSON_APPEND_BOOL(reply.get(), "createdCollectionAutomatically", created);
  if (added_names.empty()) BSON_APPEND_UTF8(reply.get(), "note", "all indexes already exist");
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::CmdListIndexes(const Call& call) {
  auto coll = ReadCollectionName(call.command, "listIndexes");
  if (!coll) return std::unexpected(coll.error());
  ++opcounters_.command;
  const Collection* collection = FindCollection(call.db, *coll);
  if (collection == nullptr) return std::unexpected(NamespaceNotFound());
  std::vector<common::BsonPtr> docs;
  for (const Index& index : collection->indexes()) docs.push_back(IndexDescription(index));
  return ResultCursorReply(call, std::move(docs), call.db + ".$cmd.listIndexes." + *coll, INT64_MAX,
                           false);
}

EngineCore::Result EngineCore::CmdListCollections(const Call& call) {
  auto filter = ReadOptionalDocument(call.command, "filter");
  if (!filter) return std::unexpected(filter.error());
  auto name_only = ReadOptionalBool(call.command, "nameOnly");
  if (!name_only) return std::unexpected(name_only.error());
  common::BsonPtr empty = common::NewBson();
  auto matcher = query::Matcher::Compile(*filter ? **filter : *empty);
  if (!matcher) {
    return std::unexpected(
        CommandError{matcher.error().code, matcher.error().code_name, matcher.error().message, {}});
  }
  ++opcounters_.command;
  std::vector<common::BsonPtr> docs;
  if (auto database = databases_.find(call.db); database != databases_.end()) {
    for (const auto& [name, coll] : database->second) {
      common::BsonPtr doc = common::NewBson();
      bson_append_utf8(doc.get(), "name", 4, name.data(), static_cast<int>(name.size()));
      BSON_APPEND_UTF8(doc.get(), "type", "collection");
      if (!name_only->value_or(false)) {
        common::BsonPtr options = common::NewBson();
        BSON_APPEND_DOCUMENT(doc.get(), "options", options.get());
        bson_t info;
        bson_append_document_begin(doc.get(), "info", 4, &info);
        BSON_APPEND_BOOL(&info, "readOnly", false);
        bson_append_document_end(doc.get(), &info);
        common::BsonPtr id_index = IndexDescription(coll.indexes().front());
        BSON_APPEND_DOCUMENT(doc.get(), "idIndex", id_index.get());
      }
      if (matcher->Matches(*doc)) docs.push_back(std::move(doc));
    }
  }
  return ResultCursorReply(call, std::move(docs), call.db + ".$cmd.listCollections", INT64_MAX,
                           false);
}

}  // namespace devmongod
