// dbStats and collStats: the counts and sizes mongod reports, measured on
// devmongod's in-memory documents (storage and index sizes are the data
// size and 0: devmongod keeps no pages). `scale` divides the sizes.
#include "devmongod/engine/bson_fields.h"
#include "devmongod/engine/engine_core.h"

namespace devmongod {
namespace {

std::expected<int64_t, CommandError> ReadScale(const bson_t& command) {
  auto scale = ReadOptionalInt(command, "scale");
  if (!scale) return std::unexpected(scale.error());
  if (scale->value_or(1) < 1) return std::unexpected(BadValue("scale has to be >= 1"));
  return scale->value_or(1);
}

int64_t DataSize(const Collection& collection) {
  int64_t size = 0;
  for (const auto& [id, doc] : collection.documents()) size += doc->len;
  return size;
}

}  // namespace

EngineCore::Result EngineCore::CmdDbStats(const Call& call) {
  auto scale = ReadScale(call.command);
  if (!scale) return std::unexpected(scale.error());
  ++opcounters_.command;
  int64_t collections = 0, objects = 0, data = 0, indexes = 0;
  if (auto database = databases_.find(call.db); database != databases_.end()) {
    for (const auto& [name, collection] : database->second) {
      ++collections;
      objects += static_cast<int64_t>(collection.size());
      data += DataSize(collection);
      indexes += static_cast<int64_t>(collection.indexes().size());
    }
  }
  common::BsonPtr reply = common::NewBson();
  bson_t* r = reply.get();
  BSON_APPEND_UTF8(r, "db", call.db.c_str());
  BSON_APPEND_INT64(r, "collections", collections);
  BSON_APPEND_INT64(r, "views", 0);
  BSON_APPEND_INT64(r, "objects", objects);
  BSON_APPEND_DOUBLE(r, "avgObjSize", objects > 0 ? static_cast<double>(data) / objects : 0.0);
  BSON_APPEND_DOUBLE(r, "dataSize", static_cast<double>(data / *scale));
  BSON_APPEND_DOUBLE(r, "storageSize", static_cast<double>(data / *scale));
  BSON_APPEND_INT64(r, "indexes", indexes);
  BSON_APPEND_DOUBLE(r, "indexSize", 0.0);
  BSON_APPEND_DOUBLE(r, "totalSize", static_cast<double>(data / *scale));
  BSON_APPEND_INT64(r, "scaleFactor", *scale);
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::CmdCollStats(const Call& call) {
  auto coll = ReadCollectionName(call.command, "collStats");
  if (!coll) return std::unexpected(coll.error());
  auto scale = ReadScale(call.command);
  if (!scale) return std::unexpected(scale.error());
  ++opcounters_.command;
  const std::string ns = call.db + "." + *coll;
  const Collection* collection = FindCollection(call.db, *coll);
  if (collection == nullptr) {
    return std::unexpected(
        MakeError(26, "NamespaceNotFound", "Collection [" + ns + "] not found."));
  }
  const int64_t count = static_cast<int64_t>(collection->size());
  const int64_t data = DataSize(*collection);
  common::BsonPtr reply = common::NewBson();
  bson_t* r = reply.get();
  BSON_APPEND_UTF8(r, "ns", ns.c_str());
  BSON_APPEND_INT64(r, "count", count);
  BSON_APPEND_INT64(r, "size", data / *scale);
  if (count > 0) BSON_APPEND_INT64(r, "avgObjSize", data / count);
  BSON_APPEND_INT64(r, "storageSize", data / *scale);
  BSON_APPEND_INT32(r, "nindexes", static_cast<int32_t>(collection->indexes().size()));
  BSON_APPEND_INT64(r, "totalIndexSize", 0);
  bson_t sizes;
  bson_append_document_begin(r, "indexSizes", -1, &sizes);
  for (const Index& index : collection->indexes()) BSON_APPEND_INT64(&sizes, index.name.c_str(), 0);
  bson_append_document_end(r, &sizes);
  BSON_APPEND_BOOL(r, "capped", false);
  BSON_APPEND_INT64(r, "scaleFactor", *scale);
  return Outcome::Reply(std::move(reply));
}

}  // namespace devmongod
