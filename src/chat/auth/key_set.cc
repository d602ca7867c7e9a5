#include "chat/auth/key_set.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>

#include "chat/auth/base64url.h"
#include "chat/auth/json_object.h"

namespace chat::auth {
namespace {

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* pkey) {
  return std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};

// A public key from OSSL_PARAMs (OpenSSL 3's way to build one from parts).
std::shared_ptr<EVP_PKEY> FromParams(const char* type, OSSL_PARAM* params) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
    return nullptr;
  }
  return Own(pkey);
}

std::expected<std::string, std::string> Base64Member(const cJSON& jwk, const char* name) {
  bool wrong = false;
  auto text = StringMember(jwk, name, &wrong);
  if (!text) return std::unexpected(std::string("JWK member \"") + name + "\" is missing");
  auto bytes = DecodeBase64Url(*text);
  if (!bytes || bytes->empty()) {
    return std::unexpected(std::string("JWK member \"") + name + "\" is not base64url");
  }
  return *bytes;
}

std::expected<std::shared_ptr<EVP_PKEY>, std::string> RsaFromJwk(const cJSON& jwk) {
  auto n = Base64Member(jwk, "n");
  if (!n) return std::unexpected(n.error());
  auto e = Base64Member(jwk, "e");
  if (!e) return std::unexpected(e.error());
  std::unique_ptr<BIGNUM, BnDeleter> bn_n(BN_bin2bn(
      reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr));
  std::unique_ptr<BIGNUM, BnDeleter> bn_e(BN_bin2bn(
      reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return std::unexpected(std::string("the RSA JWK cannot be read"));
  }
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld.get()));
  auto pkey = params ? FromParams("RSA", params.get()) : nullptr;
  if (!pkey) return std::unexpected(std::string("the RSA JWK is not a valid key"));
  return pkey;
}

std::expected<std::shared_ptr<EVP_PKEY>, std::string> EcFromJwk(const cJSON& jwk) {
  bool wrong = false;
  const auto curve = StringMember(jwk, "crv", &wrong).value_or("");
  const char* group = curve == "P-256" ? "prime256v1" : curve == "P-384" ? "secp384r1" : nullptr;
  if (!group) return std::unexpected("unsupported EC curve \"" + curve + "\" (P-256, P-384)");
  const size_t size = curve == "P-256" ? 32 : 48;
  auto x = Base64Member(jwk, "x");
  if (!x) return std::unexpected(x.error());
  auto y = Base64Member(jwk, "y");
  if (!y) return std::unexpected(y.error());
  if (x->size() != size || y->size() != size) {
    return std::unexpected("the EC JWK's coordinates do not fit " + curve);
  }
  std::string point = "\x04" + *x + *y;  // uncompressed point
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return std::unexpected(std::string("the EC JWK cannot be read"));
  }
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld.get()));
  auto pkey = params ? FromParams("EC", params.get()) : nullptr;
  if (!pkey) return std::unexpected(std::string("the EC JWK is not a point on its curve"));
  return pkey;
}

std::expected<std::shared_ptr<EVP_PKEY>, std::string> OkpFromJwk(const cJSON& jwk) {
  bool wrong = false;
  if (StringMember(jwk, "crv", &wrong).value_or("") != "Ed25519") {
    return std::unexpected(std::string("unsupported OKP curve (Ed25519 only)"));
  }
  auto x = Base64Member(jwk, "x");
  if (!x) return std::unexpected(x.error());
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size());
  if (!pkey) return std::unexpected(std::string("the Ed25519 JWK is not a valid key"));
  return Own(pkey);
}

std::expected<Key, std::string> KeyFromJwk(const cJSON& jwk) {
  bool wrong = false;
  const auto kty = StringMember(jwk, "kty", &wrong);
  if (!kty) return std::unexpected(std::string("a JWK has no \"kty\""));
  if (cJSON_GetObjectItemCaseSensitive(&jwk, "d") != nullptr) {
    return std::unexpected(
        std::string("a JWK holds a private key (\"d\"); give the public key only"));
  }
  Key key;
  key.kid = StringMember(jwk, "kid", &wrong).value_or("");
  key.algorithm = StringMember(jwk, "alg", &wrong).value_or("");
  if (wrong) return std::unexpected(std::string("a JWK's \"kid\" or \"alg\" is not a string"));
  if (*kty == "oct") {
    auto secret = Base64Member(jwk, "k");
    if (!secret) return std::unexpected(secret.error());
    if (secret->size() < kMinHmacSecretBytes) {
      return std::unexpected("an HMAC JWK is shorter than " + std::to_string(kMinHmacSecretBytes) +
                             " bytes");
    }
    key.secret = std::move(*secret);
    return key;
  }
  std::expected<std::shared_ptr<EVP_PKEY>, std::string> pkey =
      *kty == "RSA"   ? RsaFromJwk(jwk)
      : *kty == "EC"  ? EcFromJwk(jwk)
      : *kty == "OKP" ? OkpFromJwk(jwk)
                      : std::unexpected("unsupported JWK kty \"" + *kty + "\"");
  if (!pkey) return std::unexpected(pkey.error());
  auto type = KeyTypeOf(pkey->get());
  if (!type) return std::unexpected(type.error());
  key.type = *type;
  key.pkey = std::move(*pkey);
  if (!key.algorithm.empty()) {
    const Algorithm* algorithm = FindAlgorithm(key.algorithm);
    if (!algorithm || algorithm->key_type != key.type) {
      return std::unexpected("a JWK's \"alg\" " + key.algorithm + " does not fit its key");
    }
  }
  return key;
}

std::expected<std::vector<Key>, std::string> KeysFromJson(std::string_view text) {
  common::CjsonPtr json = ParseJsonObject(text);
  if (!json) return std::unexpected(std::string("the key file is not a JSON object (JWK or JWKS)"));
  std::vector<Key> keys;
  const cJSON* set = cJSON_GetObjectItemCaseSensitive(json.get(), "keys");
  if (set == nullptr) {
    auto key = KeyFromJwk(*json);
    if (!key) return std::unexpected(key.error());
    keys.push_back(std::move(*key));
    return keys;
  }
  if (!cJSON_IsArray(set)) return std::unexpected(std::string("the JWKS \"keys\" is not an array"));
  for (const cJSON* jwk = set->child; jwk != nullptr; jwk = jwk->next) {
    if (!cJSON_IsObject(jwk)) return std::unexpected(std::string("a JWKS key is not an object"));
    auto key = KeyFromJwk(*jwk);
    if (!key) return std::unexpected(key.error());
    keys.push_back(std::move(*key));
  }
  return keys;
}

std::expected<std::vector<Key>, std::string> KeysFromPem(std::string_view text) {
  if (text.find("PRIVATE KEY-----") != std::string_view::npos) {
    return std::unexpected(
        std::string("the key file holds a private key; give the public key only"));
  }
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  EVP_PKEY* raw = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!raw) return std::unexpected(std::string("the PEM is not a public key (BEGIN PUBLIC KEY)"));
  Key key;
  key.pkey = Own(raw);
  auto type = KeyTypeOf(raw);
  if (!type) return std::unexpected(type.error());
  key.type = *type;
  return std::vector<Key>{std::move(key)};
}

}  // namespace

std::expected<KeyType, std::string> KeyTypeOf(EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(pkey) < kMinRsaBits) {
        return std::unexpected("RSA keys must have at least " + std::to_string(kMinRsaBits) +
                               " bits");
      }
      return KeyType::kRsa;
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t length = 0;
      if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                         &length) == 1) {
        const std::string_view name(group, length);
        if (name == "prime256v1" || name == "P-256") return KeyType::kEcP256;
        if (name == "secp384r1" || name == "P-384") return KeyType::kEcP384;
      }
      return std::unexpected(std::string("unsupported EC curve (P-256 and P-384 only)"));
    }
    case EVP_PKEY_ED25519:
      return KeyType::kEd25519;
    default:
      return std::unexpected(std::string("unsupported key type (RSA, EC or Ed25519)"));
  }
}

std::expected<KeySet, std::string> KeySet::Parse(std::string_view text) {
  std::string_view trimmed = text;
  while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\n' ||
                              trimmed.front() == '\r' || trimmed.front() == '\t')) {
    trimmed.remove_prefix(1);
  }
  std::expected<std::vector<Key>, std::string> keys;
  if (trimmed.starts_with("{")) {
    keys = KeysFromJson(trimmed);
  } else if (trimmed.starts_with("-----BEGIN")) {
    keys = KeysFromPem(trimmed);
  } else {
    std::string secret(text);
    if (secret.ends_with("\n")) secret.pop_back();
    if (secret.ends_with("\r")) secret.pop_back();
    if (secret.size() < kMinHmacSecretBytes) {
      return std::unexpected("an HMAC secret must be at least " +
                             std::to_string(kMinHmacSecretBytes) +
                             " bytes (or give a PEM public key or a JWKS)");
    }
    Key key;
    key.secret = std::move(secret);
    keys = std::vector<Key>{std::move(key)};
  }
  if (!keys) return std::unexpected(keys.error());
  if (keys->empty()) return std::unexpected(std::string("the key file holds no key"));
  KeySet set;
  set.keys_ = std::move(*keys);
  return set;
}

std::expected<KeySet, std::string> LoadKeySetFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::unexpected("cannot read " + path);
  std::ostringstream text;
  text << file.rdbuf();
  if (text.str().size() > 1024 * 1024) return std::unexpected(path + " is larger than 1 MiB");
  auto keys = KeySet::Parse(text.str());
  if (!keys) return std::unexpected(path + ": " + keys.error());
  return keys;
}

}  // namespace chat::auth
