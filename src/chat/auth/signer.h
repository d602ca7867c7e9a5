// Minting tokens, for chat-token (development and operations) and the tests:
// the private counterpart of key_set.h. The key file holds a PEM private key
// (RSA, EC P-256/P-384, Ed25519) or an HMAC secret (its bytes less one
// trailing newline, at least 32).
// Thread-safety: a SigningKey is immutable; MintToken is pure.
#pragma once

#include <openssl/evp.h>

#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "chat/auth/algorithms.h"
#include "common/cjson_ptr.h"

namespace chat::auth {

struct SigningKey {
  KeyType type = KeyType::kHmac;
  std::string secret;
  std::shared_ptr<EVP_PKEY> pkey;
};

std::expected<SigningKey, std::string> ParseSigningKey(std::string_view text);
std::expected<SigningKey, std::string> LoadSigningKeyFile(const std::string& path);

// RS256, ES256, ES384, EdDSA or HS256, by the key.
std::string_view DefaultAlgorithm(KeyType type);

// header {"alg", "typ": "JWT", "kid"?} . claims . signature. `algorithm`
// empty: DefaultAlgorithm; it must fit the key.
std::expected<std::string, std::string> MintToken(const SigningKey& key, std::string_view algorithm,
                                                  std::string_view kid, const cJSON& claims);

}  // namespace chat::auth
