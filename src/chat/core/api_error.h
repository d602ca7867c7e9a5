// ApiError: the one error value every HTTP-facing function of the chat core
// returns, and the JSON body the shells send for it.
//
// Stable error codes (clients may switch on `code`; never rename one):
//
//   code                      status  field?  meaning
//   ------------------------  ------  ------  ---------------------------------------------
//   invalid_json              400     no      body is not exactly one RFC 8259 JSON value
//   invalid_utf8              400     no      body (or a decoded parameter) is not UTF-8
//   too_deep                  400     no      JSON nesting deeper than kMaxJsonDepth
//   body_not_object           400     no      body is JSON but not an object
//   duplicate_field           400     yes     the same key appears twice in the object
//   field_missing             400     yes     a required field is absent
//   field_wrong_type          400     yes     a field is not a string (null, number, ...)
//   field_empty               400     yes     a field is empty after trimming whitespace
//   field_too_long            400     yes     a field has too many code points
//   field_invalid_characters  400     yes     a field holds control characters
//   invalid_room              400     yes     room does not match ^[A-Za-z0-9_-]{1,64}$
//   invalid_parameter         400     yes     a query parameter or header value is invalid
//   duplicate_parameter       400     yes     a query parameter appears twice
//   invalid_query_string      400     no      bad %-escape, too long, too many parameters
//   invalid_content_length    400     no      CONTENT_LENGTH is not a decimal number
//   unauthorized              401     no      no valid token (+ WWW-Authenticate header)
//   token_expired             401     no      the stream's token expired (SSE error event)
//   forbidden                 403     no      the caller may not do this
//   forbidden_room            403     yes     the token does not allow this room
//   forbidden_username        403     yes     username differs from the token's name
//   not_found                 404     no      no such resource
//   method_not_allowed        405     no      (+ Allow header)
//   payload_too_large         413     no      body larger than the limit
//   already_deleted           409     no      the message was deleted already
//   unsupported_media_type    415     no      Content-Type is not application/json
//   internal_error            500     no      a bug or an unmappable stored document
//   database_unavailable      503     no      (+ Retry-After header)
//
// Thread-safety: plain values; the functions are pure.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chat {

enum class ErrorCode {
  kInvalidJson,
  kInvalidUtf8,
  kTooDeep,
  kBodyNotObject,
  kDuplicateField,
  kFieldMissing,
  kFieldWrongType,
  kFieldEmpty,
  kFieldTooLong,
  kFieldInvalidCharacters,
  kInvalidRoom,
  kInvalidParameter,
  kDuplicateParameter,
  kInvalidQueryString,
  kInvalidContentLength,
  kUnauthorized,
  kTokenExpired,
  kForbidden,
  kForbiddenRoom,
  kForbiddenUsername,
  kNotFound,
  kMethodNotAllowed,
  kAlreadyDeleted,
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kInternalError,
  kDatabaseUnavailable,
};

// The snake_case name sent to clients, e.g. "field_too_long".
std::string_view ErrorCodeName(ErrorCode code);
// The HTTP status that always goes with the code.
int ErrorCodeStatus(ErrorCode code);

struct ApiError {
  ErrorCode code = ErrorCode::kInternalError;
  std::string message;  // one human sentence, no user-supplied text beyond a field name
  std::string field;    // empty when no single field is at fault
  // Extra response headers (Allow, Retry-After), in order.
  std::vector<std::pair<std::string, std::string>> headers;

  int status() const { return ErrorCodeStatus(code); }
  std::string_view code_name() const { return ErrorCodeName(code); }
};

ApiError MakeError(ErrorCode code, std::string message, std::string field = {});

// {"error":{"code":"…","message":"…","field":"…"}} ("field" only when set).
// Escaped like every JSON we emit (see json_writer.h), so it is also safe as
// an SSE `data:` line.
std::string ErrorBody(const ApiError& error);

}  // namespace chat
