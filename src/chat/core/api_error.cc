#include "chat/core/api_error.h"

#include "chat/core/json_writer.h"

namespace chat {
namespace {

struct CodeInfo {
  std::string_view name;
  int status;
};

// Indexed by ErrorCode; kept in enum order (checked by api_error_test).
constexpr CodeInfo kCodes[] = {
    {"invalid_json", 400},
    {"invalid_utf8", 400},
    {"too_deep", 400},
    {"body_not_object", 400},
    {"duplicate_field", 400},
    {"field_missing", 400},
    {"field_wrong_type", 400},
    {"field_empty", 400},
    {"field_too_long", 400},
    {"field_invalid_characters", 400},
    {"invalid_room", 400},
    {"invalid_parameter", 400},
    {"duplicate_parameter", 400},
    {"invalid_query_string", 400},
    {"invalid_content_length", 400},
    {"unauthorized", 401},
    {"token_expired", 401},
    {"forbidden", 403},
    {"forbidden_room", 403},
    {"forbidden_username", 403},
    {"not_found", 404},
    {"method_not_allowed", 405},
    {"already_deleted", 409},
    {"payload_too_large", 413},
    {"unsupported_media_type", 415},
    {"internal_error", 500},
    {"database_unavailable", 503},
};
static_assert(std::size(kCodes) == static_cast<size_t>(ErrorCode::kDatabaseUnavailable) + 1);

}  // namespace

std::string_view ErrorCodeName(ErrorCode code) { return kCodes[static_cast<size_t>(code)].name; }

int ErrorCodeStatus(ErrorCode code) { return kCodes[static_cast<size_t>(code)].status; }

ApiError MakeError(ErrorCode code, std::string message, std::string field) {
  return ApiError{code, std::move(message), std::move(field), {}};
}

std::string ErrorBody(const ApiError& error) {
  std::string out = "{\"error\":{\"code\":";
  AppendJsonString(out, error.code_name());
  out += ",\"message\":";
  AppendJsonString(out, error.message);
  if (!error.field.empty()) {
    out += ",\"field\":";
    AppendJsonString(out, error.field);
  }
  out += "}}";
  return out;
}

}  // namespace chat
