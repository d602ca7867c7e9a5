// The keys that verify tokens, read from CHAT_JWT_KEY_FILE. The file holds:
//   - a JWKS document {"keys": [...]} or a single JWK object: kty "oct"
//     (HMAC), "RSA", "EC" (crv P-256 or P-384) or "OKP" (crv Ed25519), each
//     with an optional "kid" and "alg" (the only algorithm it then serves);
//   - a PEM public key ("-----BEGIN PUBLIC KEY-----": RSA, EC, Ed25519);
//   - otherwise an HMAC secret: the file's bytes, less one trailing newline.
// Refused, with one line saying why: private keys (a JWK with "d", a PEM
// private key: the verifying side must never hold them), HMAC secrets under
// 32 bytes, RSA keys under 2048 bits, other curves and key types.
// Thread-safety: immutable once parsed; copies share the OpenSSL keys.
#pragma once

#include <openssl/evp.h>

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chat/auth/algorithms.h"

namespace chat::auth {

inline constexpr size_t kMinHmacSecretBytes = 32;
inline constexpr int kMinRsaBits = 2048;

struct Key {
  KeyType type = KeyType::kHmac;
  std::string kid;                 // empty: none
  std::string algorithm;           // a JWK's "alg"; empty: any its type allows
  std::string secret;              // kHmac
  std::shared_ptr<EVP_PKEY> pkey;  // the others
};

class KeySet {
 public:
  static std::expected<KeySet, std::string> Parse(std::string_view text);
  size_t size() const { return keys_.size(); }
  const std::vector<Key>& keys() const { return keys_; }

 private:
  std::vector<Key> keys_;
};

std::expected<KeySet, std::string> LoadKeySetFile(const std::string& path);

// The key type of an OpenSSL key (public or private), or an error naming
// what it is; RSA keys under kMinRsaBits are refused. Shared with the signer.
std::expected<KeyType, std::string> KeyTypeOf(EVP_PKEY* pkey);

}  // namespace chat::auth
