#include "chat/core/bearer_token.h"

#include "chat/core/query.h"

namespace chat {
namespace {

constexpr std::string_view kOptionalWhitespace = " \t";

std::string_view Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(kOptionalWhitespace);
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(kOptionalWhitespace);
  return text.substr(begin, end - begin + 1);
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

ApiError Unauthorized(std::string message) {
  return MakeError(ErrorCode::kUnauthorized, std::move(message));
}

}  // namespace

std::optional<std::string_view> FindCookie(std::string_view cookies, std::string_view name) {
  while (!cookies.empty()) {
    const size_t end = cookies.find(';');
    std::string_view pair = Trim(cookies.substr(0, end));
    cookies = end == std::string_view::npos ? std::string_view() : cookies.substr(end + 1);
    const size_t equals = pair.find('=');
    if (equals == std::string_view::npos || Trim(pair.substr(0, equals)) != name) continue;
    std::string_view value = Trim(pair.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return std::nullopt;
}

std::expected<std::optional<FoundToken>, ApiError> FindBearerToken(
    std::optional<std::string_view> authorization, std::optional<std::string_view> cookies,
    std::string_view cookie_name, std::string_view query) {
  if (authorization) {
    std::string_view value = Trim(*authorization);
    const size_t space = value.find(' ');
    if (space == std::string_view::npos || !EqualsIgnoringCase(value.substr(0, space), "Bearer")) {
      return std::unexpected(Unauthorized("The Authorization header must be \"Bearer <token>\"."));
    }
    std::string_view token = Trim(value.substr(space + 1));
    if (token.empty() || token.find_first_of(kOptionalWhitespace) != std::string_view::npos) {
      return std::unexpected(Unauthorized("The Authorization header must be \"Bearer <token>\"."));
    }
    return FoundToken{std::string(token), TokenSource::kAuthorizationHeader};
  }
  if (cookies && !cookie_name.empty()) {
    if (auto value = FindCookie(*cookies, cookie_name); value && !value->empty()) {
      return FoundToken{std::string(*value), TokenSource::kCookie};
    }
  }
  if (query.find("access_token") != std::string_view::npos) {
    auto params = ParseQueryString(query);
    // A broken query string is the endpoint's error to report, with its own
    // code; here it only means there is no usable token in it.
    if (params) {
      if (auto token = params->Find("access_token"); token && !token->empty()) {
        return FoundToken{std::string(*token), TokenSource::kQuery};
      }
    }
  }
  return std::optional<FoundToken>();
}

std::string_view TokenSourceName(TokenSource source) {
  switch (source) {
    case TokenSource::kAuthorizationHeader:
      return "authorization_header";
    case TokenSource::kCookie:
      return "cookie";
    case TokenSource::kQuery:
      return "query";
  }
  return "unknown";
}

}  // namespace chat
