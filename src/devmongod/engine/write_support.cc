#include "devmongod/engine/write_support.h"

#include "devmongod/engine/bson_fields.h"

namespace devmongod {

// {lsid: {id: BinData}, txnNumber: Int64} marks a retryable write.
std::optional<RetryableWriteKey> ReadRetryableWriteKey(const bson_t& command) {
  bson_iter_t lsid, id, txn;
  if (!FindField(command, "lsid", &lsid) || !BSON_ITER_HOLDS_DOCUMENT(&lsid)) return std::nullopt;
  if (!FindField(command, "txnNumber", &txn)) return std::nullopt;
  std::optional<int64_t> txn_number = IterAsInt(txn);
  if (!txn_number) return std::nullopt;
  if (!bson_iter_recurse(&lsid, &id) || !bson_iter_find(&id, "id") ||
      !BSON_ITER_HOLDS_BINARY(&id)) {
    return std::nullopt;
  }
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_subtype_t subtype;
  bson_iter_binary(&id, &subtype, &len, &data);
  return RetryableWriteKey{std::string(reinterpret_cast<const char*>(data), len), *txn_number};
}

// Returns `doc` with an ObjectId _id first when it has none (as mongod and
// the drivers do, so documentKey and unique checks always have an _id).
common::BsonPtr WithId(const bson_t& doc) {
  bson_iter_t id;
  if (bson_iter_init_find(&id, &doc, "_id")) return common::CopyBson(doc);
  common::BsonPtr out = common::NewBson();
  bson_oid_t oid;
  bson_oid_init(&oid, nullptr);
  BSON_APPEND_OID(out.get(), "_id", &oid);
  bson_concat(out.get(), &doc);
  return out;
}

void AppendWriteError(bson_t* errors, uint32_t& count, int64_t index, int32_t code,
                      const std::string& message, const bson_t* key_pattern,
                      const bson_t* key_value) {
  std::string key = std::to_string(count++);
  bson_t error;
  bson_append_document_begin(errors, key.c_str(), -1, &error);
  BSON_APPEND_INT32(&error, "index", static_cast<int32_t>(index));
  BSON_APPEND_INT32(&error, "code", code);
  bson_append_utf8(&error, "errmsg", 6, message.data(), static_cast<int>(message.size()));
  if (key_pattern) BSON_APPEND_DOCUMENT(&error, "keyPattern", key_pattern);
  if (key_value) BSON_APPEND_DOCUMENT(&error, "keyValue", key_value);
  bson_append_document_end(errors, &error);
}

std::expected<WriteCommandArgs, CommandError> ReadWriteCommand(const bson_t& command,
                                                               const char* name,
                                                               const char* items_field) {
  auto coll = ReadCollectionName(command, name);
  if (!coll) return std::unexpected(coll.error());
  auto items = ReadOptionalArray(command, items_field);
  if (!items) return std::unexpected(items.error());
  if (!*items) {
    return std::unexpected(FailedToParse(std::string("BSON field '") + name + "." + items_field +
                                         "' is missing but a required field"));
  }
  auto ordered = ReadOptionalBool(command, "ordered");
  if (!ordered) return std::unexpected(ordered.error());
  return WriteCommandArgs{std::move(*coll), std::move(*items), *ordered};
}

}  // namespace devmongod
