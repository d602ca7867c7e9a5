// JWS signatures (RFC 7515/7518/8037) over OpenSSL 3: HMAC compared in
// constant time (CRYPTO_memcmp), RSA PKCS#1 v1.5 and PSS (salt as long as
// the digest), ECDSA with JWS's raw r||s encoding, Ed25519.
// Thread-safety: pure functions (OpenSSL contexts are per call).
#pragma once

#include <openssl/evp.h>

#include <expected>
#include <string>
#include <string_view>

#include "chat/auth/algorithms.h"

namespace chat::auth {

// `secret` for HMAC algorithms, `pkey` for the others; the caller has checked
// that the key's type fits the algorithm.
bool VerifySignature(const Algorithm& algorithm, std::string_view secret, EVP_PKEY* pkey,
                     std::string_view signed_part, std::string_view signature);

// The signature bytes (not yet base64url-encoded); `pkey` must be private.
std::expected<std::string, std::string> Sign(const Algorithm& algorithm, std::string_view secret,
                                             EVP_PKEY* pkey, std::string_view signed_part);

}  // namespace chat::auth
