// dropIndexes: by name, by key pattern, a list of names, or "*" (every
// index but _id's), as mongod does; journaled so a restart keeps it.
#include <cstring>

#include "devmongod/engine/bson_fields.h"
#include "devmongod/engine/engine_core.h"
#include "devmongod/engine/journal_entries.h"

namespace devmongod {
namespace {

CommandError IndexNotFound(const std::string& what) {
  return MakeError(27, "IndexNotFound", "index not found with name [" + what + "]");
}

// The names `index` asks to drop, checked against `collection`.
std::expected<std::vector<std::string>, CommandError> IndexesToDrop(const bson_iter_t& index,
                                                                    const Collection& collection) {
  std::vector<std::string> names;
  auto by_name = [&](const std::string& name) -> std::optional<CommandError> {
    if (name == "_id_") return MakeError(72, "InvalidOptions", "cannot drop _id index");
    for (const Index& existing : collection.indexes()) {
      if (existing.name == name) {
        names.push_back(name);
        return std::nullopt;
      }
    }
    return IndexNotFound(name);
  };
  if (BSON_ITER_HOLDS_UTF8(&index) && std::strcmp(bson_iter_utf8(&index, nullptr), "*") == 0) {
    for (const Index& existing : collection.indexes()) {
      if (existing.name != "_id_") names.push_back(existing.name);
    }
  } else if (BSON_ITER_HOLDS_UTF8(&index)) {
    if (auto error = by_name(bson_iter_utf8(&index, nullptr))) return std::unexpected(*error);
  } else if (BSON_ITER_HOLDS_DOCUMENT(&index)) {
    common::BsonPtr pattern = CopySubDocument(index);
    for (const Index& existing : collection.indexes()) {
      if (bson_equal(existing.key.get(), pattern.get())) {
        if (auto error = by_name(existing.name)) return std::unexpected(*error);
        return names;
      }
    }
    return std::unexpected(MakeError(27, "IndexNotFound", "can't find index with key pattern"));
  } else if (BSON_ITER_HOLDS_ARRAY(&index)) {
    bson_iter_t item;
    bson_iter_recurse(&index, &item);
    while (bson_iter_next(&item)) {
      if (!BSON_ITER_HOLDS_UTF8(&item)) {
        return std::unexpected(TypeMismatch("dropIndexes: index names must be strings"));
      }
      if (auto error = by_name(bson_iter_utf8(&item, nullptr))) return std::unexpected(*error);
    }
  } else {
    return std::unexpected(
        TypeMismatch("dropIndexes: 'index' must be a name, a key pattern, a list or \"*\""));
  }
  return names;
}

}  // namespace

EngineCore::Result EngineCore::CmdDropIndexes(const Call& call) {
  auto coll = ReadCollectionName(call.command, call.name);
  if (!coll) return std::unexpected(coll.error());
  bson_iter_t index;
  if (!FindField(call.command, "index", &index)) {
    return std::unexpected(
        FailedToParse("BSON field 'dropIndexes.index' is missing but a required field"));
  }
  ++opcounters_.command;
  Collection* collection = FindCollection(call.db, *coll);
  if (collection == nullptr) {
    return std::unexpected(
        MakeError(26, "NamespaceNotFound", "ns not found " + call.db + "." + *coll));
  }
  auto names = IndexesToDrop(index, *collection);
  if (!names) return std::unexpected(names.error());
  if (auto refused = CheckWritable()) return std::unexpected(*refused);
  const int32_t before = static_cast<int32_t>(collection->indexes().size());
  if (!names->empty()) {
    common::BsonPtr entry = NewJournalEntry("dropIndexes", call.db, *coll);
    bson_t list;
    bson_append_array_begin(entry.get(), "names", -1, &list);
    for (size_t i = 0; i < names->size(); ++i) {
      BSON_APPEND_UTF8(&list, std::to_string(i).c_str(), (*names)[i].c_str());
    }
    bson_append_array_end(entry.get(), &list);
    if (auto failed = Journal(*entry, call.ctx)) return std::unexpected(*failed);
    for (const std::string& name : *names) collection->DropIndex(name);
  }
  common::BsonPtr reply = common::NewBson();
  BSON_APPEND_INT32(reply.get(), "nIndexesWas", before);
  return Outcome::Reply(std::move(reply));
}

}  // namespace devmongod
