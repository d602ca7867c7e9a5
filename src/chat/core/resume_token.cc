#include "chat/core/resume_token.h"

namespace chat {

bool IsValidEventId(std::string_view id) {
  if (id.empty() || id.size() > kMaxEventIdLength) return false;
  for (char c : id) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

std::expected<std::string, std::string> EventIdFromResumeToken(const bson_t& token) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, &token, "_data")) {
    return std::unexpected(std::string("resume token has no _data field"));
  }
  if (!BSON_ITER_HOLDS_UTF8(&iter)) {
    return std::unexpected(std::string("resume token _data is not a string"));
  }
  uint32_t length = 0;
  const char* data = bson_iter_utf8(&iter, &length);
  std::string id(data, length);
  if (!IsValidEventId(id)) {
    return std::unexpected("resume token _data is not 1-" + std::to_string(kMaxEventIdLength) +
                           " hex digits");
  }
  return id;
}

std::expected<common::BsonPtr, std::string> ResumeTokenFromEventId(std::string_view id) {
  if (!IsValidEventId(id)) {
    return std::unexpected("event id is not 1-" + std::to_string(kMaxEventIdLength) +
                           " hex digits");
  }
  common::BsonPtr token = common::NewBson();
  bson_t* const out = token.get();  // keeps bson_t's alignment for clang (see message_json.cc)
  bson_append_utf8(out, "_data", 5, id.data(), static_cast<int>(id.size()));
  return token;
}

}  // namespace chat
