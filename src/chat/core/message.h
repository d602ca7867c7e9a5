// Validation of the POST /api/messages body into a NewMessage, and of the
// PATCH /api/messages/{id} body (new content).
//
// Rules (the product's; each failure has its own ErrorCode, see api_error.h):
// - body at most kMaxPostBodyBytes, strict UTF-8, exactly one JSON object
//   (RFC 8259, depth <= kMaxJsonDepth, no duplicate keys);
// - `username`: string; trimmed of Unicode space (utf8.h); 1..64 code
//   points; no control characters and no line separators at all; required
//   unless the caller is authenticated (UsernameRule::kOptional), whose
//   name the service compares it with;
// - `content`: string; CRLF and lone CR become LF, then trimmed; 1..2000
//   code points; LF is the only control character allowed (TAB is not);
// - `room`: optional string matching room.h's rule, not trimmed; absent
//   means "general";
// - other members are ignored and never stored.
// Fields are checked in the order username, content, room; the first failure
// is reported.
//
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

#include "chat/core/api_error.h"

namespace chat {

inline constexpr size_t kMaxPostBodyBytes = 16 * 1024;
inline constexpr size_t kMaxUsernameCodePoints = 64;
inline constexpr size_t kMaxContentCodePoints = 2000;

struct NewMessage {
  std::string username;  // trimmed, valid UTF-8; empty only with UsernameRule::kOptional
  std::string content;   // normalised to LF, trimmed, valid UTF-8
  std::string room;      // valid room name

  bool operator==(const NewMessage&) const = default;
};

enum class UsernameRule { kRequired, kOptional };

std::expected<NewMessage, ApiError> ValidatePostBody(
    std::string_view body, UsernameRule username_rule = UsernameRule::kRequired);

// The username rules above, applied to one name (also a token's name, so
// that a stored name always obeys them).
std::expected<std::string, ApiError> ValidateUsername(std::string_view raw);

// {"content": "..."}: the content rules above; other members are ignored.
std::expected<std::string, ApiError> ValidateEditBody(std::string_view body);

}  // namespace chat
