#include "chat/app/authenticator.h"

#include <string_view>
#include <vector>

#include "chat/app/request_info.h"
#include "chat/core/bearer_token.h"
#include "chat/core/iso_time.h"
#include "chat/core/json_writer.h"

namespace chat::app {
namespace {

std::string_view ModeName(AuthMode mode) {
  switch (mode) {
    case AuthMode::kOff:
      return "off";
    case AuthMode::kJwt:
      return "jwt";
    case AuthMode::kTrustedHeader:
      return "trusted-header";
  }
  return "off";
}

// "a, b,,c" → {"a", "b", "c"}.
std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) items.emplace_back(item);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return items;
}

// What a client is told about a refused token: enough to act on (refresh
// an expired token, fix a clock), nothing about keys.
std::string TokenErrorMessage(const auth::TokenError& error) {
  switch (error.code) {
    case auth::TokenErrorCode::kExpired:
      return "The token has expired.";
    case auth::TokenErrorCode::kNotYetValid:
      return "The token is not valid yet.";
    case auth::TokenErrorCode::kTooLarge:
      return "The token is larger than 8 KiB.";
    default:
      return std::string("The token is not valid (") + auth::TokenErrorName(error.code) + ").";
  }
}

void AppendStringArray(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, items[i]);
  }
  out += ']';
}

}  // namespace

ApiError Unauthorized(std::string message) {
  ApiError error = MakeError(ErrorCode::kUnauthorized, std::move(message));
  error.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"chat\", error=\"invalid_token\"");
  return error;
}

std::expected<Authenticator, std::string> Authenticator::Create(const Config& config) {
  if (config.auth != AuthMode::kJwt) return Authenticator(config.auth, {}, std::nullopt);
  auto keys = auth::LoadKeySetFile(config.jwt_key_file);
  if (!keys) return std::unexpected("CHAT_JWT_KEY_FILE: " + keys.error());
  auth::VerifierOptions options;
  options.algorithms = config.jwt_algorithms;
  options.issuer = config.jwt_issuer;
  options.audience = config.jwt_audience;
  options.leeway_s = config.jwt_leeway_s;
  options.name_claim = config.jwt_name_claim;
  auto verifier = auth::Verifier::Create(std::move(*keys), std::move(options));
  if (!verifier) return std::unexpected("CHAT_JWT_KEY_FILE: " + verifier.error());
  return Authenticator(config.auth, config.jwt_cookie, std::move(*verifier));
}

std::expected<std::optional<auth::Identity>, ApiError> Authenticator::Identify(
    const web::Exchange& exchange, int64_t now_s) const {
  switch (mode_) {
    case AuthMode::kOff:
      return std::optional<auth::Identity>();
    case AuthMode::kJwt:
      return FromToken(exchange, now_s);
    case AuthMode::kTrustedHeader:
      return FromTrustedParams(exchange);
  }
  return std::optional<auth::Identity>();
}

std::expected<std::optional<auth::Identity>, ApiError> Authenticator::FromToken(
    const web::Exchange& exchange, int64_t now_s) const {
  auto found = FindBearerToken(OptionalParam(exchange, "HTTP_AUTHORIZATION"),
                               OptionalParam(exchange, "HTTP_COOKIE"), cookie_,
                               exchange.Param("QUERY_STRING"));
  if (!found) return std::unexpected(Unauthorized(found.error().message));
  if (!found->has_value()) return std::unexpected(Unauthorized("A token is required."));
  auto identity = verifier_->Verify((*found)->token, now_s);
  if (!identity) return std::unexpected(Unauthorized(TokenErrorMessage(identity.error())));
  return std::optional(std::move(*identity));
}

std::expected<std::optional<auth::Identity>, ApiError> Authenticator::FromTrustedParams(
    const web::Exchange& exchange) const {
  auto user_id = OptionalParam(exchange, "CHAT_USER_ID");
  if (!user_id) return std::unexpected(Unauthorized("The request carries no signed-in user."));
  auth::Identity identity;
  identity.user_id = std::string(*user_id);
  identity.name = std::string(OptionalParam(exchange, "CHAT_USER_NAME").value_or(*user_id));
  if (auto rooms = OptionalParam(exchange, "CHAT_USER_ROOMS")) identity.rooms = SplitList(*rooms);
  if (auto roles = OptionalParam(exchange, "CHAT_USER_ROLES")) identity.roles = SplitList(*roles);
  return std::optional(std::move(identity));
}

std::string IdentityJson(AuthMode mode, const std::optional<auth::Identity>& identity,
                         bool moderation_without_auth) {
  std::string out = "{\"auth\":";
  AppendJsonString(out, ModeName(mode));
  if (mode == AuthMode::kOff) {
    out += ",\"moderationWithoutAuth\":";
    out += moderation_without_auth ? "true" : "false";
  }
  if (identity) {
    out += ",\"userId\":";
    AppendJsonString(out, identity->user_id);
    out += ",\"name\":";
    AppendJsonString(out, identity->name);
    out += ",\"rooms\":";
    if (identity->rooms)
      AppendStringArray(out, *identity->rooms);
    else
      out += "null";
    out += ",\"roles\":";
    AppendStringArray(out, identity->roles);
    out += ",\"moderator\":";
    out += auth::IsModerator(*identity) ? "true" : "false";
    out += ",\"expiresAt\":";
    auto expires =
        identity->expires_at_s > 0 ? FormatIsoMillis(identity->expires_at_s * 1000) : std::nullopt;
    if (expires)
      AppendJsonString(out, *expires);
    else
      out += "null";
  }
  out += '}';
  return out;
}

}  // namespace chat::app
