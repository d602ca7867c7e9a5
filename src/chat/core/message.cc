#include "chat/core/message.h"

#include <optional>
#include <vector>

#include "chat/core/http.h"
#include "chat/core/json_reader.h"
#include "chat/core/room.h"
#include "chat/core/utf8.h"

namespace chat {
namespace {

ApiError JsonErrorToApiError(const JsonReadError& error) {
  switch (error.kind) {
    case JsonReadError::Kind::kTooDeep:
      return MakeError(ErrorCode::kTooDeep, "The JSON body is nested more than " +
                                                std::to_string(kMaxJsonDepth) + " levels deep.");
    case JsonReadError::Kind::kNotObject:
      return MakeError(ErrorCode::kBodyNotObject, "The JSON body must be an object.");
    case JsonReadError::Kind::kDuplicateKey:
      return MakeError(ErrorCode::kDuplicateField, "The JSON body repeats a field.", error.key);
    case JsonReadError::Kind::kInvalidJson:
      break;
  }
  return MakeError(ErrorCode::kInvalidJson,
                   "The body is not valid JSON (at byte " + std::to_string(error.offset) + ").");
}

const JsonMember* FindMember(const std::vector<JsonMember>& members, std::string_view key) {
  for (const JsonMember& member : members) {
    if (member.key == key) return &member;
  }
  return nullptr;
}

// The member's string value, or the error for a missing/mistyped field.
std::expected<std::string_view, ApiError> RequireString(const std::vector<JsonMember>& members,
                                                        std::string_view key) {
  const JsonMember* member = FindMember(members, key);
  if (!member) {
    return std::unexpected(
        MakeError(ErrorCode::kFieldMissing, "The field is required.", std::string(key)));
  }
  if (member->type != JsonType::kString) {
    return std::unexpected(MakeError(
        ErrorCode::kFieldWrongType,
        "The field must be a string, not " + std::string(JsonTypeName(member->type)) + ".",
        std::string(key)));
  }
  return member->string_value;
}

bool IsLineSeparator(char32_t cp) { return cp == 0x2028 || cp == 0x2029; }

// Checks emptiness, length and characters of an already trimmed value.
std::optional<ApiError> CheckText(std::string_view value, std::string_view field,
                                  size_t max_code_points, bool allow_newlines) {
  if (value.empty()) {
    return MakeError(ErrorCode::kFieldEmpty, "The field is empty after trimming whitespace.",
                     std::string(field));
  }
  if (CountCodePoints(value) > max_code_points) {
    return MakeError(ErrorCode::kFieldTooLong,
                     "The field is longer than " + std::to_string(max_code_points) + " characters.",
                     std::string(field));
  }
  for (size_t pos = 0; pos < value.size();) {
    const auto decoded = DecodeUtf8At(value, pos);  // valid: the whole body was checked
    const char32_t cp = decoded ? decoded->code_point : 0;
    const bool newline = cp == '\n' || IsLineSeparator(cp);
    const bool bad = newline ? !allow_newlines : IsControl(cp);
    if (!decoded || bad) {
      return MakeError(ErrorCode::kFieldInvalidCharacters,
                       allow_newlines ? "The field contains control characters other than newlines."
                                      : "The field contains control characters or line breaks.",
                       std::string(field));
    }
    pos += decoded->length;
  }
  return std::nullopt;
}

// The body as one strict JSON object's members.
std::expected<std::vector<JsonMember>, ApiError> ReadBodyObject(std::string_view body) {
  if (body.size() > kMaxPostBodyBytes) {
    return std::unexpected(PayloadTooLarge(kMaxPostBodyBytes));
  }
  if (!IsValidUtf8(body)) {
    return std::unexpected(MakeError(ErrorCode::kInvalidUtf8, "The body is not valid UTF-8."));
  }
  auto members = ReadJsonObject(body);
  if (!members) return std::unexpected(JsonErrorToApiError(members.error()));
  return std::move(*members);
}

std::expected<std::string, ApiError> ValidContent(const std::vector<JsonMember>& members) {
  auto raw = RequireString(members, "content");
  if (!raw) return std::unexpected(std::move(raw.error()));
  // Newlines are normalised so that what is stored (and counted) is the same
  // whatever the client's platform.
  std::string content(TrimUnicodeSpace(NormalizeNewlines(*raw)));
  if (auto error = CheckText(content, "content", kMaxContentCodePoints, true)) {
    return std::unexpected(std::move(*error));
  }
  return content;
}

}  // namespace

std::expected<std::string, ApiError> ValidateUsername(std::string_view raw) {
  std::string username(TrimUnicodeSpace(raw));
  if (auto error = CheckText(username, "username", kMaxUsernameCodePoints, false)) {
    return std::unexpected(std::move(*error));
  }
  return username;
}

std::expected<NewMessage, ApiError> ValidatePostBody(std::string_view body,
                                                     UsernameRule username_rule) {
  auto members = ReadBodyObject(body);
  if (!members) return std::unexpected(std::move(members.error()));

  NewMessage message;
  if (username_rule == UsernameRule::kRequired || FindMember(*members, "username")) {
    auto raw = RequireString(*members, "username");
    if (!raw) return std::unexpected(std::move(raw.error()));
    auto username = ValidateUsername(*raw);
    if (!username) return std::unexpected(std::move(username.error()));
    message.username = std::move(*username);
  }

  auto content = ValidContent(*members);
  if (!content) return std::unexpected(std::move(content.error()));
  message.content = std::move(*content);

  message.room = std::string(kDefaultRoom);
  if (FindMember(*members, "room")) {
    auto room = RequireString(*members, "room");
    if (!room) return std::unexpected(std::move(room.error()));
    if (!IsValidRoom(*room)) {
      return std::unexpected(MakeError(ErrorCode::kInvalidRoom,
                                       "The room must be 1 to 64 letters, digits, '_' or '-'.",
                                       "room"));
    }
    message.room = std::string(*room);
  }
  return message;
}

std::expected<std::string, ApiError> ValidateEditBody(std::string_view body) {
  auto members = ReadBodyObject(body);
  if (!members) return std::unexpected(std::move(members.error()));
  return ValidContent(*members);
}

}  // namespace chat
