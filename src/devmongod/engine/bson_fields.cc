#include "devmongod/engine/bson_fields.h"

#include <cmath>
#include <cstring>

namespace devmongod {
namespace {

std::string Quoted(std::string_view field) { return "'" + std::string(field) + "'"; }

}  // namespace

bool FindField(const bson_t& doc, std::string_view field, bson_iter_t* out) {
  if (!bson_iter_init(out, &doc)) return false;
  while (bson_iter_next(out)) {
    if (bson_iter_key_len(out) == field.size() &&
        std::memcmp(bson_iter_key(out), field.data(), field.size()) == 0) {
      return true;
    }
  }
  return false;
}

std::expected<std::string, CommandError> ReadCollectionName(const bson_t& command,
                                                            std::string_view command_name) {
  bson_iter_t iter;
  if (!FindField(command, command_name, &iter) || !BSON_ITER_HOLDS_UTF8(&iter)) {
    return std::unexpected(
        MakeError(73, "InvalidNamespace",
                  "collection name in '" + std::string(command_name) + "' must be a string"));
  }
  uint32_t len = 0;
  const char* name = bson_iter_utf8(&iter, &len);
  std::string_view view(name, len);
  if (view.empty() || view.find('\0') != std::string_view::npos ||
      view.find('$') != std::string_view::npos) {
    return std::unexpected(
        MakeError(73, "InvalidNamespace", "Invalid collection name '" + std::string(view) + "'"));
  }
  return std::string(view);
}

std::optional<int64_t> IterAsInt(const bson_iter_t& iter) {
  switch (bson_iter_type(&iter)) {
    case BSON_TYPE_INT32:
      return bson_iter_int32(&iter);
    case BSON_TYPE_INT64:
      return bson_iter_int64(&iter);
    case BSON_TYPE_DOUBLE: {
      double d = bson_iter_double(&iter);
      // Range check before the cast: converting an out-of-range double is UB.
      if (!std::isfinite(d) || d != std::floor(d) || d < -9.2e18 || d > 9.2e18) return std::nullopt;
      return static_cast<int64_t>(d);
    }
    default:
      return std::nullopt;
  }
}

common::BsonPtr CopySubDocument(const bson_iter_t& iter) {
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  if (BSON_ITER_HOLDS_DOCUMENT(&iter)) {
    bson_iter_document(&iter, &len, &data);
  } else if (BSON_ITER_HOLDS_ARRAY(&iter)) {
    bson_iter_array(&iter, &len, &data);
  }
  if (data == nullptr) return common::NewBson();
  common::BsonPtr copy = common::BsonFromData(data, len);
  return copy ? std::move(copy) : common::NewBson();
}

std::expected<std::optional<int64_t>, CommandError> ReadOptionalInt(const bson_t& doc,
                                                                    std::string_view field) {
  bson_iter_t iter;
  if (!FindField(doc, field, &iter)) return std::nullopt;
  if (BSON_ITER_HOLDS_NULL(&iter)) return std::nullopt;
  std::optional<int64_t> value = IterAsInt(iter);
  if (!value) {
    return std::unexpected(TypeMismatch("Field " + Quoted(field) +
                                        " must be a whole number, got BSON type " +
                                        std::to_string(static_cast<int>(bson_iter_type(&iter)))));
  }
  return value;
}

std::expected<std::optional<bool>, CommandError> ReadOptionalBool(const bson_t& doc,
                                                                  std::string_view field) {
  bson_iter_t iter;
  if (!FindField(doc, field, &iter)) return std::nullopt;
  if (BSON_ITER_HOLDS_BOOL(&iter)) return bson_iter_bool(&iter);
  if (BSON_ITER_HOLDS_NULL(&iter)) return std::nullopt;
  if (BSON_ITER_HOLDS_NUMBER(&iter)) return bson_iter_as_bool(&iter);
  return std::unexpected(TypeMismatch("Field " + Quoted(field) + " must be a boolean"));
}

std::expected<std::optional<std::string>, CommandError> ReadOptionalString(const bson_t& doc,
                                                                           std::string_view field) {
  bson_iter_t iter;
  if (!FindField(doc, field, &iter)) return std::nullopt;
  if (!BSON_ITER_HOLDS_UTF8(&iter)) {
    return std::unexpected(TypeMismatch("Field " + Quoted(field) + " must be a string"));
  }
  uint32_t len = 0;
  const char* s = bson_iter_utf8(&iter, &len);
  return std::string(s, len);
}

std::expected<common::BsonPtr, CommandError> ReadOptionalDocument(const bson_t& doc,
                                                                  std::string_view field) {
  bson_iter_t iter;
  if (!FindField(doc, field, &iter)) return common::BsonPtr();
  if (!BSON_ITER_HOLDS_DOCUMENT(&iter)) {
    return std::unexpected(TypeMismatch("Field " + Quoted(field) + " must be an object"));
  }
  return CopySubDocument(iter);
}

std::expected<common::BsonPtr, CommandError> ReadOptionalArray(const bson_t& doc,
                                                               std::string_view field) {
  bson_iter_t iter;
  if (!FindField(doc, field, &iter)) return common::BsonPtr();
  if (!BSON_ITER_HOLDS_ARRAY(&iter)) {
    return std::unexpected(TypeMismatch("Field " + Quoted(field) + " must be an array"));
  }
  return CopySubDocument(iter);
}

}  // namespace devmongod
