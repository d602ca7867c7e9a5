#include "chat/core/http.h"

namespace chat {
namespace {

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// Optional whitespace of RFC 9110: spaces and tabs.
std::string_view TrimOws(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

void AppendHeaderText(std::string& out, std::string_view text) {
  for (char c : text) out += (c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
}

ApiError UnsupportedMediaType() {
  return MakeError(ErrorCode::kUnsupportedMediaType,
                   "The body must be sent as Content-Type: application/json (UTF-8).");
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::string FormatResponseHead(int status, const HeaderList& headers) {
  std::string out = "Status: " + std::to_string(status) + " ";
  out += ReasonPhrase(status);
  out += "\r\n";
  for (const auto& [name, value] : headers) {
    AppendHeaderText(out, name);
    out += ": ";
    AppendHeaderText(out, value);
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

std::string ErrorResponse(const ApiError& error) {
  HeaderList headers = {{"Content-Type", "application/json; charset=utf-8"},
                        {"Cache-Control", "no-store"}};
  headers.insert(headers.end(), error.headers.begin(), error.headers.end());
  return FormatResponseHead(error.status(), headers) + ErrorBody(error);
}

std::optional<ApiError> CheckMethod(std::optional<std::string_view> method,
                                    std::initializer_list<std::string_view> allowed) {
  std::string allow;
  for (std::string_view name : allowed) {
    if (method && *method == name) return std::nullopt;  // methods are case-sensitive
    if (!allow.empty()) allow += ", ";
    allow += name;
  }
  ApiError error =
      MakeError(ErrorCode::kMethodNotAllowed, "This resource only accepts " + allow + " requests.");
  error.headers.emplace_back("Allow", allow);
  return error;
}

std::optional<ApiError> CheckJsonContentType(std::optional<std::string_view> content_type) {
  if (!content_type) return UnsupportedMediaType();
  const size_t semicolon = content_type->find(';');
  if (!EqualsIgnoreCase(TrimOws(content_type->substr(0, semicolon)), "application/json")) {
    return UnsupportedMediaType();
  }
  std::string_view parameters = semicolon == std::string_view::npos
                                    ? std::string_view()
                                    : content_type->substr(semicolon + 1);
  while (!parameters.empty()) {
    const size_t next = parameters.find(';');
    const std::string_view parameter = TrimOws(parameters.substr(0, next));
    parameters = next == std::string_view::npos ? std::string_view() : parameters.substr(next + 1);
    const size_t equals = parameter.find('=');
    if (equals == std::string_view::npos ||
        !EqualsIgnoreCase(TrimOws(parameter.substr(0, equals)), "charset")) {
      continue;  // other parameters do not change how we read the body
    }
    std::string_view value = TrimOws(parameter.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (!EqualsIgnoreCase(value, "utf-8") && !EqualsIgnoreCase(value, "utf8")) {
      return UnsupportedMediaType();
    }
  }
  return std::nullopt;
}

std::expected<std::optional<size_t>, ApiError> ParseContentLength(
    std::optional<std::string_view> content_length, size_t limit) {
  if (!content_length || content_length->empty()) return std::optional<size_t>();
  size_t value = 0;
  bool over = false;
  for (char c : *content_length) {
    if (c < '0' || c > '9') {
      return std::unexpected(MakeError(ErrorCode::kInvalidContentLength,
                                       "The Content-Length header is not a decimal number."));
    }
    // Saturate instead of overflowing: any huge number is simply too large.
    if (value > limit) over = true;
    if (!over) value = value * 10 + static_cast<size_t>(c - '0');
  }
  if (over || value > limit) return std::unexpected(PayloadTooLarge(limit));
  return std::optional<size_t>(value);
}

ApiError PayloadTooLarge(size_t limit) {
  return MakeError(ErrorCode::kPayloadTooLarge,
                   "The body is larger than " + std::to_string(limit) + " bytes.");
}

ApiError DatabaseUnavailable(int retry_after_s) {
  ApiError error = MakeError(ErrorCode::kDatabaseUnavailable,
                             "The message database is unavailable; please retry shortly.");
  error.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return error;
}

}  // namespace chat
