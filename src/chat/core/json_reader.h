// A strict RFC 8259 reader for request bodies that must be one flat-ish JSON
// object. It validates the whole text (every nested value too) and returns
// the top-level members; only string values are decoded, others are typed.
//
// Why not cJSON for requests (checked against Debian's cJSON 1.7.15): it
// accepts raw control characters inside strings (U+0001, a raw newline),
// any byte up to 0x20 as whitespace (vertical tab, form feed), numbers such
// as "01" and "1.", and text after the value unless asked not to; it keeps
// both members of a duplicate key (a lookup finds the first, so the check
// would need its own walk over the children); and its C strings end at an
// escaped \u0000, so the stored text would differ from the text validated.
// A strictness layer on top would need a scan of its own for every one of
// these, which is most of this reader. cJSON stays the independent oracle
// of the tests and the differential fuzz target (fuzz_post_body): whatever
// this reader accepts, cJSON must read the same way.
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
