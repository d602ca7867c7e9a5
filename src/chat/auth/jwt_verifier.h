// Verifying a JWS compact JWT and reading the chat's claims from it.
//
// Rules, in the order they are checked:
//   - at most kMaxTokenBytes (too_large), three base64url segments (malformed);
//   - a header that is a JSON object with unique names, "alg" a string,
//     "typ" absent or "JWT", no "crit" (we understand no extension), "kid"
//     a string if present (malformed);
//   - "alg" an algorithm we know and the allow-list has; "none" never
//     (algorithm_not_allowed);
//   - a key of the type the algorithm needs; with a "kid", the key that has
//     it when the set names its keys (unknown_key); the signature checked
//     with each candidate, MACs compared in constant time (bad_signature);
//   - then the payload: a JSON object with unique names (malformed); "exp"
//     a number, required; "nbf" honoured; both with the leeway; "iss" and
//     "aud" (a string or an array holding it) when configured; "sub" a
//     non-empty string; the name claim, "rooms" and "roles" of the right
//     types when present (missing_claim, bad_claim, expired, not_yet_valid,
//     wrong_issuer, wrong_audience).
//
// Thread-safety: a Verifier is immutable; Verify may run on any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/auth/identity.h"
#include "chat/auth/key_set.h"

namespace chat::auth {

enum class TokenErrorCode {
  kMissing,
  kTooLarge,
  kMalformed,
  kAlgorithmNotAllowed,
  kUnknownKey,
  kBadSignature,
  kMissingClaim,
  kBadClaim,
  kExpired,
  kNotYetValid,
  kWrongIssuer,
  kWrongAudience,
};

struct TokenError {
  TokenErrorCode code;
  std::string message;  // short; never the token or key material
};

// "missing", "too_large", "malformed", ... (snake_case of the code).
const char* TokenErrorName(TokenErrorCode code);

inline constexpr size_t kMaxTokenBytes = 8192;

struct VerifierOptions {
  std::vector<std::string> algorithms;  // allow-list; empty: every algorithm the keys allow
  std::string issuer;                   // "" = not checked
  std::string audience;                 // "" = not checked
  int64_t leeway_s = 30;
  std::string name_claim = "name";
};

class Verifier {
 public:
  // Fails (one line) when an allowed algorithm is unknown or "none", or no
  // key serves any allowed algorithm.
  static std::expected<Verifier, std::string> Create(KeySet keys, VerifierOptions options);

  std::expected<Identity, TokenError> Verify(std::string_view token, int64_t now_s) const;

 private:
  Verifier(KeySet keys, VerifierOptions options)
      : keys_(std::move(keys)), options_(std::move(options)) {}

  bool Allowed(const Algorithm& algorithm) const;
  std::expected<const Algorithm*, TokenError> CheckHeader(std::string_view header,
                                                          std::string* kid) const;
  std::expected<void, TokenError> CheckSignature(const Algorithm& algorithm, const std::string& kid,
                                                 std::string_view signed_part,
                                                 std::string_view signature) const;
  std::expected<Identity, TokenError> ReadClaims(std::string_view payload, int64_t now_s) const;

  KeySet keys_;
  VerifierOptions options_;
};

}  // namespace chat::auth
