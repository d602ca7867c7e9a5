#include "chat/auth/jwt_verifier.h"

#include <algorithm>
#include <cmath>

#include "chat/auth/base64url.h"
#include "chat/auth/json_object.h"
#include "chat/auth/signature.h"

namespace chat::auth {
namespace {

TokenError Error(TokenErrorCode code, std::string message) { return {code, std::move(message)}; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool KeyServes(const Key& key, const Algorithm& algorithm) {
  return key.type == algorithm.key_type &&
         (key.algorithm.empty() || key.algorithm == algorithm.name);
}

// A claim that must be a number (NumericDate); nullopt when absent.
std::expected<std::optional<double>, TokenError> NumericClaim(const cJSON& claims,
                                                              const char* name) {
  const cJSON* claim = cJSON_GetObjectItemCaseSensitive(&claims, name);
  if (claim == nullptr) return std::optional<double>();
  if (!cJSON_IsNumber(claim) || !std::isfinite(claim->valuedouble)) {
    return std::unexpected(
        Error(TokenErrorCode::kBadClaim, std::string(name) + " is not a number"));
  }
  return std::optional<double>(claim->valuedouble);
}

// A claim that must be an array of strings; nullopt when absent.
std::expected<std::optional<std::vector<std::string>>, TokenError> StringListClaim(
    const cJSON& claims, const char* name) {
  const cJSON* claim = cJSON_GetObjectItemCaseSensitive(&claims, name);
  if (claim == nullptr) return std::optional<std::vector<std::string>>();
  std::vector<std::string> items;
  if (!cJSON_IsArray(claim)) {
    return std::unexpected(
        Error(TokenErrorCode::kBadClaim, std::string(name) + " is not an array"));
  }
  for (const cJSON* item = claim->child; item != nullptr; item = item->next) {
    if (!cJSON_IsString(item) || item->valuestring == nullptr) {
      return std::unexpected(
          Error(TokenErrorCode::kBadClaim, std::string(name) + " holds a non-string"));
    }
    items.emplace_back(item->valuestring);
  }
  return std::optional(std::move(items));
}

bool AudienceHolds(const cJSON& aud, const std::string& audience) {
  if (cJSON_IsString(&aud)) return aud.valuestring != nullptr && audience == aud.valuestring;
  if (!cJSON_IsArray(&aud)) return false;
  for (const cJSON* item = aud.child; item != nullptr; item = item->next) {
    if (cJSON_IsString(item) && item->valuestring != nullptr && audience == item->valuestring) {
      return true;
    }
  }
  return false;
}

}  // namespace

const char* TokenErrorName(TokenErrorCode code) {
  switch (code) {
    case TokenErrorCode::kMissing:
      return "missing";
    case TokenErrorCode::kTooLarge:
      return "too_large";
    case TokenErrorCode::kMalformed:
      return "malformed";
    case TokenErrorCode::kAlgorithmNotAllowed:
      return "algorithm_not_allowed";
    case TokenErrorCode::kUnknownKey:
      return "unknown_key";
    case TokenErrorCode::kBadSignature:
      return "bad_signature";
    case TokenErrorCode::kMissingClaim:
      return "missing_claim";
    case TokenErrorCode::kBadClaim:
      return "bad_claim";
    case TokenErrorCode::kExpired:
      return "expired";
    case TokenErrorCode::kNotYetValid:
      return "not_yet_valid";
    case TokenErrorCode::kWrongIssuer:
      return "wrong_issuer";
    case TokenErrorCode::kWrongAudience:
      return "wrong_audience";
  }
  return "malformed";
}

std::expected<Verifier, std::string> Verifier::Create(KeySet keys, VerifierOptions options) {
  for (const std::string& name : options.algorithms) {
    if (FindAlgorithm(name) == nullptr) {
      return std::unexpected(
          "unknown or refused token algorithm \"" + name +
          "\" (HS256/384/512, RS256/384/512, PS256/384/512, ES256, ES384, EdDSA)");
    }
  }
  Verifier verifier(std::move(keys), std::move(options));
  for (const Algorithm& algorithm : AllAlgorithms()) {
    if (!verifier.Allowed(algorithm)) continue;
    for (const Key& key : verifier.keys_.keys()) {
      if (KeyServes(key, algorithm)) return verifier;
    }
  }
  return std::unexpected(std::string("no key fits any allowed algorithm"));
}

bool Verifier::Allowed(const Algorithm& algorithm) const {
  if (options_.algorithms.empty()) return true;
  return std::find(options_.algorithms.begin(), options_.algorithms.end(), algorithm.name) !=
         options_.algorithms.end();
}

std::expected<Identity, TokenError> Verifier::Verify(std::string_view token, int64_t now_s) const {
  if (token.empty()) return std::unexpected(Error(TokenErrorCode::kMissing, "no token"));
  if (token.size() > kMaxTokenBytes) {
    return std::unexpected(Error(TokenErrorCode::kTooLarge, "the token is over 8 KiB"));
  }
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::unexpected(Error(TokenErrorCode::kMalformed, "a token has three parts"));
  }
  auto header = DecodeBase64Url(token.substr(0, first));
  auto payload = DecodeBase64Url(token.substr(first + 1, second - first - 1));
  auto signature = DecodeBase64Url(token.substr(second + 1));
  if (!header || !payload || !signature) {
    return std::unexpected(Error(TokenErrorCode::kMalformed, "a part is not base64url"));
  }
  std::string kid;
  auto algorithm = CheckHeader(*header, &kid);
  if (!algorithm) return std::unexpected(algorithm.error());
  if (auto checked = CheckSignature(**algorithm, kid, token.substr(0, second), *signature);
      !checked) {
    return std::unexpected(checked.error());
  }
  return ReadClaims(*payload, now_s);
}

std::expected<const Algorithm*, TokenError> Verifier::CheckHeader(std::string_view header,
                                                                  std::string* kid) const {
  common::CjsonPtr json = ParseJsonObject(header);
  if (!json) {
    return std::unexpected(Error(TokenErrorCode::kMalformed, "the header is not a JSON object"));
  }
  bool wrong_type = false;
  const auto alg = StringMember(*json, "alg", &wrong_type);
  const auto typ = StringMember(*json, "typ", &wrong_type);
  *kid = StringMember(*json, "kid", &wrong_type).value_or("");
  if (!alg || wrong_type) {
    return std::unexpected(Error(TokenErrorCode::kMalformed, "alg, typ or kid is not a string"));
  }
  if (typ && !EqualsIgnoringCase(*typ, "JWT")) {
    return std::unexpected(Error(TokenErrorCode::kMalformed, "typ is not JWT"));
  }
  if (cJSON_GetObjectItemCaseSensitive(json.get(), "crit") != nullptr) {
    return std::unexpected(Error(TokenErrorCode::kMalformed, "crit extensions are not supported"));
  }
  const Algorithm* algorithm = FindAlgorithm(*alg);
  if (algorithm == nullptr || !Allowed(*algorithm)) {
    return std::unexpected(Error(TokenErrorCode::kAlgorithmNotAllowed, "algorithm not allowed"));
  }
  return algorithm;
}

// With a kid, and keys that have kids, only the key named; otherwise every
// key of the right type is tried (one PEM or secret has no kid to match).
std::expected<void, TokenError> Verifier::CheckSignature(const Algorithm& algorithm,
                                                         const std::string& kid,
                                                         std::string_view signed_part,
                                                         std::string_view signature) const {
  const bool named_keys = std::any_of(keys_.keys().begin(), keys_.keys().end(),
                                      [](const Key& key) { return !key.kid.empty(); });
  bool candidate = false;
  for (const Key& key : keys_.keys()) {
    if (!KeyServes(key, algorithm)) continue;
    if (!kid.empty() && named_keys && key.kid != kid) continue;
    candidate = true;
    if (VerifySignature(algorithm, key.secret, key.pkey.get(), signed_part, signature)) return {};
  }
  if (!candidate)
    return std::unexpected(Error(TokenErrorCode::kUnknownKey, "no key for the token"));
  return std::unexpected(Error(TokenErrorCode::kBadSignature, "the signature does not verify"));
}

std::expected<Identity, TokenError> Verifier::ReadClaims(std::string_view payload,
                                                         int64_t now_s) const {
  common::CjsonPtr claims = ParseJsonObject(payload);
  if (!claims) {
    return std::unexpected(Error(TokenErrorCode::kMalformed, "the payload is not a JSON object"));
  }
  auto exp = NumericClaim(*claims, "exp");
  if (!exp) return std::unexpected(exp.error());
  if (!*exp) return std::unexpected(Error(TokenErrorCode::kMissingClaim, "exp is missing"));
  const auto now = static_cast<double>(now_s);
  const auto leeway = static_cast<double>(options_.leeway_s);
  if (now >= **exp + leeway) return std::unexpected(Error(TokenErrorCode::kExpired, "expired"));
  auto nbf = NumericClaim(*claims, "nbf");
  if (!nbf) return std::unexpected(nbf.error());
  if (*nbf && now + leeway < **nbf) {
    return std::unexpected(Error(TokenErrorCode::kNotYetValid, "not valid yet"));
  }
  bool wrong_type = false;
  if (!options_.issuer.empty() &&
      StringMember(*claims, "iss", &wrong_type).value_or("") != options_.issuer) {
    return std::unexpected(Error(TokenErrorCode::kWrongIssuer, "wrong issuer"));
  }
  if (!options_.audience.empty()) {
    const cJSON* aud = cJSON_GetObjectItemCaseSensitive(claims.get(), "aud");
    if (aud == nullptr || !AudienceHolds(*aud, options_.audience)) {
      return std::unexpected(Error(TokenErrorCode::kWrongAudience, "wrong audience"));
    }
  }
  Identity identity;
  wrong_type = false;
  auto sub = StringMember(*claims, "sub", &wrong_type);
  if (wrong_type) return std::unexpected(Error(TokenErrorCode::kBadClaim, "sub is not a string"));
  if (!sub || sub->empty()) return std::unexpected(Error(TokenErrorCode::kMissingClaim, "no sub"));
  identity.user_id = std::move(*sub);
  auto name = StringMember(*claims, options_.name_claim.c_str(), &wrong_type);
  if (wrong_type) return std::unexpected(Error(TokenErrorCode::kBadClaim, "name is not a string"));
  identity.name = name && !name->empty() ? std::move(*name) : identity.user_id;
  auto rooms = StringListClaim(*claims, "rooms");
  if (!rooms) return std::unexpected(rooms.error());
  identity.rooms = std::move(*rooms);
  auto roles = StringListClaim(*claims, "roles");
  if (!roles) return std::unexpected(roles.error());
  identity.roles = roles->value_or(std::vector<std::string>{});
  identity.expires_at_s = static_cast<int64_t>(std::min(**exp, 9.2e18));
  return identity;
}

}  // namespace chat::auth
