// Where a request's token comes from, in this order:
//   1. `Authorization: Bearer <token>` (API clients: posting, history,
//      moderation);
//   2. the cookie named by CHAT_JWT_COOKIE (browsers: EventSource cannot set
//      headers, and an HttpOnly cookie is out of reach of the page's scripts);
//   3. `?access_token=<token>` (last resort; it ends up in access logs and
//      browser history unless redacted, see README).
// The first source present wins and the others are not looked at, so a
// request carrying a cookie and a query token at once uses the cookie.
// A malformed Authorization header (another scheme, no token) is refused
// rather than skipped: the client meant to authenticate and would otherwise
// fall back silently to a weaker source.
//
// Thread-safety: pure functions.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "chat/core/api_error.h"

namespace chat {

enum class TokenSource { kAuthorizationHeader, kCookie, kQuery };

struct FoundToken {
  std::string token;
  TokenSource source;
};

// `authorization`: the Authorization header (CGI: HTTP_AUTHORIZATION);
// `cookies`: the Cookie header (HTTP_COOKIE); `query`: the raw query string.
// Returns nullopt when no source holds a token, unauthorized when the
// Authorization header or the query is malformed.
std::expected<std::optional<FoundToken>, ApiError> FindBearerToken(
    std::optional<std::string_view> authorization, std::optional<std::string_view> cookies,
    std::string_view cookie_name, std::string_view query);

// The value of cookie `name` in a Cookie header (RFC 6265 §5.4 syntax:
// "a=1; b=2"; an optional pair of double quotes around the value is removed),
// or nullopt. With the name given twice, the first wins, as in browsers'
// document.cookie order (most specific path first).
std::optional<std::string_view> FindCookie(std::string_view cookies, std::string_view name);

// "authorization_header", "cookie", "query": for the request log.
std::string_view TokenSourceName(TokenSource source);

}  // namespace chat
