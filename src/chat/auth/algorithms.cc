#include "chat/auth/algorithms.h"

namespace chat::auth {
namespace {

constexpr Algorithm kAlgorithms[] = {
    {"HS256", KeyType::kHmac, SignatureScheme::kHmac, EVP_sha256, 0},
    {"HS384", KeyType::kHmac, SignatureScheme::kHmac, EVP_sha384, 0},
    {"HS512", KeyType::kHmac, SignatureScheme::kHmac, EVP_sha512, 0},
    {"RS256", KeyType::kRsa, SignatureScheme::kRsaPkcs1, EVP_sha256, 0},
    {"RS384", KeyType::kRsa, SignatureScheme::kRsaPkcs1, EVP_sha384, 0},
    {"RS512", KeyType::kRsa, SignatureScheme::kRsaPkcs1, EVP_sha512, 0},
    {"PS256", KeyType::kRsa, SignatureScheme::kRsaPss, EVP_sha256, 0},
    {"PS384", KeyType::kRsa, SignatureScheme::kRsaPss, EVP_sha384, 0},
    {"PS512", KeyType::kRsa, SignatureScheme::kRsaPss, EVP_sha512, 0},
    {"ES256", KeyType::kEcP256, SignatureScheme::kEcdsa, EVP_sha256, 32},
    {"ES384", KeyType::kEcP384, SignatureScheme::kEcdsa, EVP_sha384, 48},
    {"EdDSA", KeyType::kEd25519, SignatureScheme::kEdDsa, nullptr, 0},
};

}  // namespace

std::span<const Algorithm> AllAlgorithms() { return kAlgorithms; }

const Algorithm* FindAlgorithm(std::string_view name) {
  for (const Algorithm& algorithm : kAlgorithms) {
    if (algorithm.name == name) return &algorithm;
  }
  return nullptr;
}

std::string_view KeyTypeName(KeyType type) {
  switch (type) {
    case KeyType::kHmac:
      return "HMAC secret";
    case KeyType::kRsa:
      return "RSA public key";
    case KeyType::kEcP256:
      return "EC P-256 public key";
    case KeyType::kEcP384:
      return "EC P-384 public key";
    case KeyType::kEd25519:
      return "Ed25519 public key";
  }
  return "key";
}

}  // namespace chat::auth
