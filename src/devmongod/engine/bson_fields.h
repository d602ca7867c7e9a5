// Type-checked reads of command fields. Every field a command looks at goes
// through these, so a client sending the wrong type gets an error reply
// naming the field instead of a crash or a silent default.
// Thread-safety: free functions without shared state.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "common/bson_ptr.h"
#include "devmongod/engine/command_error.h"

namespace devmongod {

// A whole number given as int32, int64 or an integral double (drivers differ).
std::expected<std::optional<int64_t>, CommandError> ReadOptionalInt(const bson_t& doc,
                                                                    std::string_view field);
// true/false, or a number (non-zero = true) as the shell sends.
std::expected<std::optional<bool>, CommandError> ReadOptionalBool(const bson_t& doc,
                                                                  std::string_view field);
std::expected<std::optional<std::string>, CommandError> ReadOptionalString(const bson_t& doc,
                                                                           std::string_view field);
// An embedded document, copied; null when the field is absent.
std::expected<common::BsonPtr, CommandError> ReadOptionalDocument(const bson_t& doc,
                                                                  std::string_view field);
// An array, copied as its BSON document form ("0", "1", ...); null when absent.
std::expected<common::BsonPtr, CommandError> ReadOptionalArray(const bson_t& doc,
                                                               std::string_view field);

// The collection a command names in its first field ({insert: "coll", ...}):
// a non-empty string without NUL or '$'.
std::expected<std::string, CommandError> ReadCollectionName(const bson_t& command,
                                                            std::string_view command_name);

// Converts a numeric iterator value to a whole number, if it is one.
std::optional<int64_t> IterAsInt(const bson_iter_t& iter);

// Copies the document or array the iterator points at.
common::BsonPtr CopySubDocument(const bson_iter_t& iter);

// Finds `field` (no dots) in `doc`.
bool FindField(const bson_t& doc, std::string_view field, bson_iter_t* out);

}  // namespace devmongod
