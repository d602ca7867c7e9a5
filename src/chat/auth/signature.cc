#include "chat/auth/signature.h"

#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <memory>

namespace chat::auth {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

std::string Hmac(const Algorithm& algorithm, std::string_view secret, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(algorithm.digest(), secret.data(), static_cast<int>(secret.size()), Bytes(data),
            data.size(), mac, &length)) {
    return {};
  }
  return std::string(reinterpret_cast<char*>(mac), length);
}

// RSA-PSS as JWS defines it: MGF1 with the same digest, salt = digest length.
bool SetPss(EVP_PKEY_CTX* pctx) {
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
}

// JWS's r||s (each `part` bytes) to the DER that OpenSSL verifies.
std::string RawToDer(std::string_view raw, size_t part) {
  if (raw.size() != 2 * part) return {};
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(Bytes(raw), static_cast<int>(part), nullptr);
  BIGNUM* s = BN_bin2bn(Bytes(raw.substr(part)), static_cast<int>(part), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

std::string DerToRaw(std::string_view der, size_t part) {
  const unsigned char* p = Bytes(der);
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return {};
  std::string raw(2 * part, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, static_cast<int>(part)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + part, static_cast<int>(part)) < 0) {
    return {};
  }
  return raw;
}

}  // namespace

bool VerifySignature(const Algorithm& algorithm, std::string_view secret, EVP_PKEY* pkey,
                     std::string_view signed_part, std::string_view signature) {
  if (algorithm.scheme == SignatureScheme::kHmac) {
    const std::string expected = Hmac(algorithm, secret, signed_part);
    return !expected.empty() && expected.size() == signature.size() &&
           CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
  }
  if (pkey == nullptr) return false;
  std::string der;
  if (algorithm.scheme == SignatureScheme::kEcdsa) {
    der = RawToDer(signature, algorithm.ecdsa_part_bytes);
    if (der.empty()) return false;
    signature = der;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = algorithm.digest ? algorithm.digest() : nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey) != 1) return false;
  if (algorithm.scheme == SignatureScheme::kRsaPss && !SetPss(pctx)) return false;
  return EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(signed_part),
                          signed_part.size()) == 1;
}

std::expected<std::string, std::string> Sign(const Algorithm& algorithm, std::string_view secret,
                                             EVP_PKEY* pkey, std::string_view signed_part) {
  if (algorithm.scheme == SignatureScheme::kHmac) {
    std::string mac = Hmac(algorithm, secret, signed_part);
    if (mac.empty()) return std::unexpected(std::string("HMAC failed"));
    return mac;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = algorithm.digest ? algorithm.digest() : nullptr;
  if (!ctx || pkey == nullptr || EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, pkey) != 1 ||
      (algorithm.scheme == SignatureScheme::kRsaPss && !SetPss(pctx))) {
    return std::unexpected(std::string("the key cannot sign ") + std::string(algorithm.name));
  }
  size_t length = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &length, Bytes(signed_part), signed_part.size()) != 1) {
    return std::unexpected(std::string("signing failed"));
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     Bytes(signed_part), signed_part.size()) != 1) {
    return std::unexpected(std::string("signing failed"));
  }
  signature.resize(length);
  if (algorithm.scheme == SignatureScheme::kEcdsa) {
    signature = DerToRaw(signature, algorithm.ecdsa_part_bytes);
    if (signature.empty()) return std::unexpected(std::string("signing failed"));
  }
  return signature;
}

}  // namespace chat::auth
