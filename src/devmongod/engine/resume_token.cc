#include "devmongod/engine/resume_token.h"

#include <cstring>
#include <string_view>

namespace devmongod {
namespace {

constexpr size_t kTokenHexLength = 2 + 16 + 16 + 2;
constexpr char kHexDigits[] = "0123456789ABCDEF";

void AppendHex(uint64_t value, int digits, std::string* out) {
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    out->push_back(kHexDigits[(value >> shift) & 0xF]);
  }
}

// Uppercase only: we only ever produce uppercase, so anything else did not
// come from us.
bool ParseHex(std::string_view hex, uint64_t* out) {
  uint64_t value = 0;
  for (char c : hex) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return false;
    }
    value = (value << 4) | static_cast<uint64_t>(digit);
  }
  *out = value;
  return true;
}

CommandError Malformed(const std::string& field, const std::string& why) {
  return BadValue("invalid resume token in '" + field + "': " + why);
}

}  // namespace

std::string EncodeResumeTokenData(const ResumeToken& token) {
  std::string out = "82";
  out.reserve(kTokenHexLength);
  AppendHex(token.ts.AsU64(), 16, &out);
  AppendHex(token.seq, 16, &out);
  out += token.high_water_mark ? "02" : token.invalidate ? "01" : "00";
  return out;
}

void AppendResumeToken(bson_t* parent, const char* key, const ResumeToken& token) {
  bson_t child;
  bson_append_document_begin(parent, key, -1, &child);
  std::string data = EncodeResumeTokenData(token);
  bson_append_utf8(&child, "_data", 5, data.data(), static_cast<int>(data.size()));
  bson_append_document_end(parent, &child);
}

std::expected<ResumeToken, CommandError> DecodeResumeToken(const bson_iter_t& value,
                                                           const std::string& field) {
  if (!BSON_ITER_HOLDS_DOCUMENT(&value)) {
    return std::unexpected(
        FailedToParse("'" + field + "' must be an object of the form {_data: <hex string>}"));
  }
  bson_iter_t child;
  if (!bson_iter_recurse(&value, &child)) {
    return std::unexpected(FailedToParse("'" + field + "' is not a valid document"));
  }
  std::string_view data;
  int fields = 0;
  bool found = false;
  while (bson_iter_next(&child)) {
    ++fields;
    if (std::strcmp(bson_iter_key(&child), "_data") != 0) continue;
    if (!BSON_ITER_HOLDS_UTF8(&child)) {
      return std::unexpected(Malformed(field, "_data must be a string"));
    }
    uint32_t len = 0;
    const char* s = bson_iter_utf8(&child, &len);
    data = std::string_view(s, len);
    found = true;
  }
  if (!found) return std::unexpected(Malformed(field, "missing _data"));
  if (fields != 1) return std::unexpected(Malformed(field, "unexpected fields besides _data"));
  if (data.size() != kTokenHexLength) {
    return std::unexpected(Malformed(field, "wrong length " + std::to_string(data.size())));
  }
  if (data.substr(0, 2) != "82") return std::unexpected(Malformed(field, "unknown format"));
  uint64_t ts = 0, seq = 0, kind = 0;
  if (!ParseHex(data.substr(2, 16), &ts) || !ParseHex(data.substr(18, 16), &seq) ||
      !ParseHex(data.substr(34, 2), &kind)) {
    return std::unexpected(Malformed(field, "not an uppercase hex string"));
  }
  if (kind > 2) return std::unexpected(Malformed(field, "unknown token kind"));
  return ResumeToken{Timestamp::FromU64(ts), seq, kind == 1, kind == 2};
}

}  // namespace devmongod
