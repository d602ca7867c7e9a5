// The JWS algorithms we accept (RFC 7518, RFC 8037) and the key each needs.
// A key of the wrong type is never tried for an algorithm, which is what
// rules out algorithm confusion (an RSA public key used as an HMAC secret).
// Thread-safety: immutable tables.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <span>
#include <string_view>

namespace chat::auth {

enum class KeyType { kHmac, kRsa, kEcP256, kEcP384, kEd25519 };

enum class SignatureScheme { kHmac, kRsaPkcs1, kRsaPss, kEcdsa, kEdDsa };

struct Algorithm {
  std::string_view name;  // "RS256"
  KeyType key_type;
  SignatureScheme scheme;
  const EVP_MD* (*digest)();  // null for EdDSA
  size_t ecdsa_part_bytes;    // ES*: the size of r and of s in the signature
};

std::span<const Algorithm> AllAlgorithms();
// Null for "none", an unknown name, or a name in the wrong case.
const Algorithm* FindAlgorithm(std::string_view name);
// "HMAC secret", "RSA public key", ...
std::string_view KeyTypeName(KeyType type);

}  // namespace chat::auth
