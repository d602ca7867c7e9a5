// A strict RFC 8259 reader for request bodies that must be one flat-ish JSON
// object. It validates the whole text (every nested value too) and returns
// the top-level members; only string values are decoded, others are typed.
//
// Why not cJSON for requests: cJSON accepts raw control characters inside
// strings, any byte <= 0x20 as whitespace and numbers like "01", keeps only
// one of two duplicate keys silently, and truncates strings at an escaped
// \u0000. Each of those would let a request mean something other than what
// the validator saw. cJSON stays an independent oracle in the tests.
//
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace chat {

inline constexpr int kMaxJsonDepth = 32;  // objects/arrays, the top level counts as 1

enum class JsonType { kNull, kBool, kNumber, kString, kArray, kObject };

std::string_view JsonTypeName(JsonType type);  // "null", "boolean", ...

struct JsonMember {
  std::string key;  // decoded (escapes resolved), valid UTF-8
  JsonType type;
  std::string string_value;  // decoded, only for kString; may contain NUL
};

struct JsonReadError {
  enum class Kind { kInvalidJson, kTooDeep, kNotObject, kDuplicateKey };
  Kind kind;
  size_t offset = 0;  // byte offset where reading stopped
  std::string key;    // the repeated key for kDuplicateKey
};

// `text` must already be valid UTF-8 (check with IsValidUtf8 first: that
// failure has its own error code). Exactly one value, optionally surrounded
// by JSON whitespace (space, tab, LF, CR), must fill the text. A lone or
// reversed surrogate escape (\ud800, \udc00\ud800) is invalid JSON.
std::expected<std::vector<JsonMember>, JsonReadError> ReadJsonObject(std::string_view text);

}  // namespace chat
