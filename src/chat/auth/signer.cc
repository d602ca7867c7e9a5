#include "chat/auth/signer.h"

#include <openssl/bio.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>

#include "chat/auth/base64url.h"
#include "chat/auth/key_set.h"
#include "chat/auth/signature.h"

namespace chat::auth {

std::expected<SigningKey, std::string> ParseSigningKey(std::string_view text) {
  SigningKey key;
  if (text.find("-----BEGIN") != std::string_view::npos) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
    EVP_PKEY* raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!raw) return std::unexpected(std::string("the PEM is not an unencrypted private key"));
    key.pkey = std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free);
    auto type = KeyTypeOf(raw);
    if (!type) return std::unexpected(type.error());
    key.type = *type;
    return key;
  }
  key.secret = std::string(text);
  if (key.secret.ends_with("\n")) key.secret.pop_back();
  if (key.secret.size() < kMinHmacSecretBytes) {
    return std::unexpected("an HMAC secret must be at least " +
                           std::to_string(kMinHmacSecretBytes) + " bytes");
  }
  return key;
}

std::expected<SigningKey, std::string> LoadSigningKeyFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::unexpected("cannot read " + path);
  std::ostringstream text;
  text << file.rdbuf();
  auto key = ParseSigningKey(text.str());
  if (!key) return std::unexpected(path + ": " + key.error());
  return key;
}

std::string_view DefaultAlgorithm(KeyType type) {
  switch (type) {
    case KeyType::kHmac:
      return "HS256";
    case KeyType::kRsa:
      return "RS256";
    case KeyType::kEcP256:
      return "ES256";
    case KeyType::kEcP384:
      return "ES384";
    case KeyType::kEd25519:
      return "EdDSA";
  }
  return "HS256";
}

std::expected<std::string, std::string> MintToken(const SigningKey& key, std::string_view algorithm,
                                                  std::string_view kid, const cJSON& claims) {
  const std::string_view name = algorithm.empty() ? DefaultAlgorithm(key.type) : algorithm;
  const Algorithm* found = FindAlgorithm(name);
  if (!found) return std::unexpected("unknown algorithm " + std::string(name));
  if (found->key_type != key.type) {
    return std::unexpected(std::string(name) + " needs an " +
                           std::string(KeyTypeName(found->key_type)));
  }
  common::CjsonPtr header(cJSON_CreateObject());
  cJSON_AddStringToObject(header.get(), "alg", std::string(name).c_str());
  cJSON_AddStringToObject(header.get(), "typ", "JWT");
  if (!kid.empty()) cJSON_AddStringToObject(header.get(), "kid", std::string(kid).c_str());
  const std::string signed_part = EncodeBase64Url(common::PrintJson(*header)) + "." +
                                  EncodeBase64Url(common::PrintJson(claims));
  auto signature = Sign(*found, key.secret, key.pkey.get(), signed_part);
  if (!signature) return std::unexpected(signature.error());
  return signed_part + "." + EncodeBase64Url(*signature);
}

}  // namespace chat::auth
