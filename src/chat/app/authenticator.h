// Who is making a request, per CHAT_AUTH:
//   off             nobody in particular: every request is anonymous;
//   jwt             a signed token (core/bearer_token.h says where it is
//                   looked for), verified with the keys of CHAT_JWT_KEY_FILE;
//   trusted-header  the identity nginx's auth_request put into FastCGI
//                   parameters: CHAT_USER_ID (required), CHAT_USER_NAME,
//                   CHAT_USER_ROOMS and CHAT_USER_ROLES (comma-separated;
//                   rooms absent = every room). A client cannot forge these:
//                   its headers reach the worker as HTTP_* parameters, and
//                   these names are only ever set by nginx's fastcgi_param.
// Thread-safety: immutable after Create; Identify may run on any thread.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "chat/auth/jwt_verifier.h"
#include "chat/core/api_error.h"
#include "chat/core/config.h"
#include "chat/web/exchange.h"

namespace chat::app {

class Authenticator {
 public:
  // Loads and checks the keys (jwt); an error is one line for the operator.
  static std::expected<Authenticator, std::string> Create(const Config& config);

  bool enabled() const { return mode_ != AuthMode::kOff; }
  AuthMode mode() const { return mode_; }

  // The caller's identity; nullopt with authentication off. A request
  // without a valid identity gets unauthorized (401) when it is on.
  std::expected<std::optional<auth::Identity>, ApiError> Identify(const web::Exchange& exchange,
                                                                  int64_t now_s) const;

 private:
  Authenticator(AuthMode mode, std::string cookie, std::optional<auth::Verifier> verifier)
      : mode_(mode), cookie_(std::move(cookie)), verifier_(std::move(verifier)) {}

  std::expected<std::optional<auth::Identity>, ApiError> FromToken(const web::Exchange& exchange,
                                                                   int64_t now_s) const;
  std::expected<std::optional<auth::Identity>, ApiError> FromTrustedParams(
      const web::Exchange& exchange) const;

  AuthMode mode_;
  std::string cookie_;
  std::optional<auth::Verifier> verifier_;
};

// The 401 every unauthenticated request gets: the error plus
// `WWW-Authenticate: Bearer realm="chat", error="invalid_token"` (RFC 6750).
ApiError Unauthorized(std::string message);

// {"auth":"jwt","userId":…,"name":…,"rooms":[…]|null,"roles":[…],"moderator":bool,
//  "expiresAt":"…"|null},
// or {"auth":"off","moderationWithoutAuth":false}: the answer of GET /api/me.
std::string IdentityJson(AuthMode mode, const std::optional<auth::Identity>& identity,
                         bool moderation_without_auth);

}  // namespace chat::app
