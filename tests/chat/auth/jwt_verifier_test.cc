// The token verifier: every rule of jwt_verifier.h, every key format of
// key_set.h, sign-then-verify for every algorithm, and algorithm confusion.
#include "chat/auth/jwt_verifier.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>

#include "chat/auth/base64url.h"
#include "chat/auth/signature.h"
#include "chat/auth/signer.h"

namespace chat::auth {
namespace {

constexpr int64_t kNow = 1'800'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef-secret";

std::string Pem(EVP_PKEY* key, bool is_private) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (is_private) {
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PUBKEY(bio.get(), key);
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

struct KeyPair {
  std::string private_pem;
  std::string public_pem;
};

KeyPair Generate(const char* type, const char* curve = nullptr, int bits = 2048) {
  EVP_PKEY* key = nullptr;
  if (curve) {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve);
  } else if (std::string(type) == "RSA") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  } else {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  }
  KeyPair pair{Pem(key, true), Pem(key, false)};
  EVP_PKEY_free(key);
  return pair;
}

const KeyPair& Rsa() {
  static const KeyPair pair = Generate("RSA");
  return pair;
}

std::string Mint(const std::string& private_key, const std::string& claims_json,
                 const std::string& alg = "", const std::string& kid = "") {
  auto key = ParseSigningKey(private_key);
  EXPECT_TRUE(key.has_value()) << key.error();
  common::CjsonPtr claims(cJSON_Parse(claims_json.c_str()));
  auto token = MintToken(*key, alg, kid, *claims);
  EXPECT_TRUE(token.has_value()) << token.error();
  return *token;
}

std::string Claims(const std::string& extra = "") {
  return R"({"sub": "alice", "exp": )" + std::to_string(kNow + 60) + extra + "}";
}

Verifier MakeVerifier(const std::string& key_text, VerifierOptions options = {}) {
  auto keys = KeySet::Parse(key_text);
  EXPECT_TRUE(keys.has_value()) << keys.error();
  auto verifier = Verifier::Create(std::move(*keys), std::move(options));
  EXPECT_TRUE(verifier.has_value()) << verifier.error();
  return std::move(*verifier);
}

TokenErrorCode ErrorOf(const Verifier& verifier, const std::string& token) {
  auto result = verifier.Verify(token, kNow);
  EXPECT_FALSE(result.has_value());
  return result ? TokenErrorCode::kMissing : result.error().code;
}

std::string Segment(const std::string& json) { return EncodeBase64Url(json); }

TEST(Base64UrlTest, RoundTripsAndIsStrict) {
  for (const std::string& bytes :
       {std::string(), std::string("f"), std::string("fo"), std::string("foo"), std::string("foob"),
        std::string("\0\xff\xfe", 3)}) {
    EXPECT_EQ(DecodeBase64Url(EncodeBase64Url(bytes)), bytes);
  }
  EXPECT_EQ(EncodeBase64Url("\xfb\xff"), "-_8");
  EXPECT_FALSE(DecodeBase64Url("Zm9v=").has_value());  // padding
  EXPECT_FALSE(DecodeBase64Url("Zm 9").has_value());
  EXPECT_FALSE(DecodeBase64Url("Zm+v").has_value());  // standard alphabet
  EXPECT_FALSE(DecodeBase64Url("Zh").has_value());    // leftover bits set
  EXPECT_FALSE(DecodeBase64Url("Z").has_value());
}

TEST(KeySetTest, FormatsAndRefusals) {
  EXPECT_EQ(KeySet::Parse(kSecret + "\n")->size(), 1u);
  EXPECT_NE(KeySet::Parse("short").error().find("32 bytes"), std::string::npos);
  EXPECT_EQ(KeySet::Parse(Rsa().public_pem)->size(), 1u);
  EXPECT_NE(KeySet::Parse(Rsa().private_pem).error().find("private key"), std::string::npos);
  EXPECT_EQ(KeySet::Parse(Generate("ED25519").public_pem)->keys()[0].type, KeyType::kEd25519);
  EXPECT_EQ(KeySet::Parse(Generate("EC", "P-384").public_pem)->keys()[0].type, KeyType::kEcP384);
  EXPECT_NE(KeySet::Parse(Generate("RSA", nullptr, 1024).public_pem).error().find("2048"),
            std::string::npos);
  const std::string jwks = R"({"keys": [
      {"kty": "oct", "kid": "h", "k": ")" +
                           EncodeBase64Url(kSecret) + R"("},
      {"kty": "OKP", "crv": "Ed25519", "kid": "e",
       "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})";
  auto set = KeySet::Parse(jwks);
  ASSERT_TRUE(set.has_value()) << set.error();
  EXPECT_EQ(set->size(), 2u);
  EXPECT_EQ(set->keys()[0].kid, "h");
  EXPECT_NE(KeySet::Parse(R"({"kty": "oct", "k": "c2hvcnQ"})").error().find("32"),
            std::string::npos);
  EXPECT_NE(KeySet::Parse(R"({"kty": "RSA", "n": "AQAB", "e": "AQAB", "d": "AQAB"})")
                .error()
                .find("private"),
            std::string::npos);
  EXPECT_FALSE(KeySet::Parse(R"({"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"})").has_value());
  EXPECT_FALSE(KeySet::Parse(R"({"keys": "nope"})").has_value());
  EXPECT_FALSE(KeySet::Parse(R"({"keys": []})").has_value());
}

TEST(VerifierTest, EveryAlgorithmSignsAndVerifies) {
  const KeyPair ec256 = Generate("EC", "P-256"), ec384 = Generate("EC", "P-384"),
                ed = Generate("ED25519");
  struct Case {
    std::string alg, private_key, public_key;
  };
  const Case cases[] = {{"HS256", kSecret, kSecret},
                        {"HS384", kSecret, kSecret},
                        {"HS512", kSecret, kSecret},
                        {"RS256", Rsa().private_pem, Rsa().public_pem},
                        {"RS384", Rsa().private_pem, Rsa().public_pem},
                        {"RS512", Rsa().private_pem, Rsa().public_pem},
                        {"PS256", Rsa().private_pem, Rsa().public_pem},
                        {"PS384", Rsa().private_pem, Rsa().public_pem},
                        {"PS512", Rsa().private_pem, Rsa().public_pem},
                        {"ES256", ec256.private_pem, ec256.public_pem},
                        {"ES384", ec384.private_pem, ec384.public_pem},
                        {"EdDSA", ed.private_pem, ed.public_pem}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.alg);
    const std::string token = Mint(
        c.private_key,
        Claims(R"(, "name": "Alice", "rooms": ["a", "team-*"], "roles": ["moderator"])"), c.alg);
    auto identity = MakeVerifier(c.public_key).Verify(token, kNow);
    ASSERT_TRUE(identity.has_value()) << TokenErrorName(identity.error().code);
    EXPECT_EQ(identity->user_id, "alice");
    EXPECT_EQ(identity->name, "Alice");
    EXPECT_EQ(identity->rooms, (std::vector<std::string>{"a", "team-*"}));
    EXPECT_TRUE(IsModerator(*identity));
    EXPECT_EQ(identity->expires_at_s, kNow + 60);
    // One changed signature byte is caught.
    std::string forged = token;
    forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
    EXPECT_EQ(ErrorOf(MakeVerifier(c.public_key), forged), TokenErrorCode::kBadSignature);
  }
}

TEST(VerifierTest, AlgorithmsAndKeys) {
  const Verifier rsa = MakeVerifier(Rsa().public_pem);
  const std::string header_none = Segment(R"({"alg":"none"})");
  EXPECT_EQ(ErrorOf(rsa, header_none + "." + Segment(Claims()) + "."),
            TokenErrorCode::kAlgorithmNotAllowed);
  // HS256 keyed with the RSA public key's PEM: the classic confusion.
  const std::string signed_part =
      Segment(R"({"alg":"HS256","typ":"JWT"})") + "." + Segment(Claims());
  auto mac = Sign(*FindAlgorithm("HS256"), Rsa().public_pem, nullptr, signed_part);
  ASSERT_TRUE(mac.has_value());
  EXPECT_EQ(ErrorOf(rsa, signed_part + "." + EncodeBase64Url(*mac)), TokenErrorCode::kUnknownKey);
  const Verifier only_ps = MakeVerifier(Rsa().public_pem, {{"PS256"}, "", "", 30, "name"});
  EXPECT_EQ(ErrorOf(only_ps, Mint(Rsa().private_pem, Claims(), "RS256")),
            TokenErrorCode::kAlgorithmNotAllowed);
  EXPECT_FALSE(
      Verifier::Create(*KeySet::Parse(kSecret), {{"none"}, "", "", 30, "name"}).has_value());
  EXPECT_FALSE(
      Verifier::Create(*KeySet::Parse(kSecret), {{"RS256"}, "", "", 30, "name"}).has_value());
  // kid: with named keys only the named one; an unknown kid is unknown_key.
  const std::string jwks =
      R"({"keys": [{"kty": "oct", "kid": "one", "k": ")" + EncodeBase64Url(kSecret) + R"("}]})";
  const Verifier named = MakeVerifier(jwks);
  EXPECT_TRUE(named.Verify(Mint(kSecret, Claims(), "HS256", "one"), kNow).has_value());
  EXPECT_EQ(ErrorOf(named, Mint(kSecret, Claims(), "HS256", "two")), TokenErrorCode::kUnknownKey);
  EXPECT_TRUE(named.Verify(Mint(kSecret, Claims(), "HS256"), kNow).has_value());
}

TEST(VerifierTest, ShapeErrors) {
  const Verifier v = MakeVerifier(kSecret);
  const std::string good = Mint(kSecret, Claims());
  EXPECT_EQ(ErrorOf(v, ""), TokenErrorCode::kMissing);
  EXPECT_EQ(ErrorOf(v, std::string(kMaxTokenBytes + 1, 'a')), TokenErrorCode::kTooLarge);
  EXPECT_EQ(ErrorOf(v, good.substr(0, good.rfind('.'))), TokenErrorCode::kMalformed);
  EXPECT_EQ(ErrorOf(v, good + ".x"), TokenErrorCode::kMalformed);
  EXPECT_EQ(ErrorOf(v, "!!" + good), TokenErrorCode::kMalformed);
  const std::string sig = good.substr(good.rfind('.'));
  const std::string claims = good.substr(good.find('.'), good.rfind('.') - good.find('.'));
  EXPECT_EQ(ErrorOf(v, Segment("[1]") + claims + sig), TokenErrorCode::kMalformed);
  EXPECT_EQ(ErrorOf(v, Segment(R"({"alg":"HS256","alg":"none"})") + claims + sig),
            TokenErrorCode::kMalformed);
  EXPECT_EQ(ErrorOf(v, Segment(R"({"alg":"HS256","crit":["x"]})") + claims + sig),
            TokenErrorCode::kMalformed);
  EXPECT_EQ(ErrorOf(v, Segment(R"({"alg":"HS256","typ":"JWE"})") + claims + sig),
            TokenErrorCode::kMalformed);
  // A correctly signed payload that is not an object.
  const std::string array_part = Segment(R"({"alg":"HS256"})") + "." + Segment("[1,2]");
  auto mac = Sign(*FindAlgorithm("HS256"), kSecret, nullptr, array_part);
  ASSERT_TRUE(mac.has_value());
  EXPECT_EQ(ErrorOf(v, array_part + "." + EncodeBase64Url(*mac)), TokenErrorCode::kMalformed);
}

TEST(VerifierTest, Claims) {
  const Verifier v = MakeVerifier(kSecret, {{}, "https://issuer", "chat", 30, "display"});
  auto mint = [](const std::string& json) { return Mint(kSecret, json); };
  const std::string exp = std::to_string(kNow + 60);
  const std::string base = R"("iss": "https://issuer", "aud": ["x", "chat"], "sub": "u")";
  EXPECT_TRUE(v.Verify(mint("{" + base + R"(, "exp": )" + exp + "}"), kNow).has_value());
  EXPECT_EQ(ErrorOf(v, mint("{" + base + "}")), TokenErrorCode::kMissingClaim);
  EXPECT_EQ(ErrorOf(v, mint("{" + base + R"(, "exp": "soon"})")), TokenErrorCode::kBadClaim);
  EXPECT_EQ(ErrorOf(v, mint("{" + base + R"(, "exp": )" + std::to_string(kNow - 31) + "}")),
            TokenErrorCode::kExpired);
  // Within the leeway.
  EXPECT_TRUE(v.Verify(mint("{" + base + R"(, "exp": )" + std::to_string(kNow - 29) + "}"), kNow)
                  .has_value());
  EXPECT_EQ(ErrorOf(v, mint("{" + base + R"(, "exp": )" + exp + R"(, "nbf": )" +
                            std::to_string(kNow + 31) + "}")),
            TokenErrorCode::kNotYetValid);
  EXPECT_EQ(ErrorOf(v, mint(R"({"iss": "other", "aud": "chat", "sub": "u", "exp": )" + exp + "}")),
            TokenErrorCode::kWrongIssuer);
  EXPECT_EQ(
      ErrorOf(v, mint(R"({"iss": "https://issuer", "aud": "x", "sub": "u", "exp": )" + exp + "}")),
      TokenErrorCode::kWrongAudience);
  EXPECT_EQ(ErrorOf(v, mint(R"({"iss": "https://issuer", "aud": "chat", "exp": )" + exp + "}")),
            TokenErrorCode::kMissingClaim);
  EXPECT_EQ(ErrorOf(v, mint("{" + base + R"(, "exp": )" + exp + R"(, "rooms": "a"})")),
            TokenErrorCode::kBadClaim);
  EXPECT_EQ(ErrorOf(v, mint("{" + base + R"(, "exp": )" + exp + R"(, "roles": [1]})")),
            TokenErrorCode::kBadClaim);
  EXPECT_EQ(ErrorOf(v, mint("{" + base + R"(, "exp": )" + exp + R"(, "display": 5})")),
            TokenErrorCode::kBadClaim);
  auto named = v.Verify(mint("{" + base + R"(, "exp": )" + exp + R"(, "display": "Dee"})"), kNow);
  ASSERT_TRUE(named.has_value());
  EXPECT_EQ(named->name, "Dee");
  EXPECT_FALSE(named->rooms.has_value());
}

TEST(IdentityTest, RoomPatterns) {
  Identity everywhere;
  EXPECT_TRUE(RoomAllowed(everywhere, "anything"));
  Identity some;
  some.rooms = std::vector<std::string>{"lobby", "team-*"};
  EXPECT_TRUE(RoomAllowed(some, "lobby"));
  EXPECT_TRUE(RoomAllowed(some, "team-red"));
  EXPECT_TRUE(RoomAllowed(some, "team-"));
  EXPECT_FALSE(RoomAllowed(some, "team"));
  EXPECT_FALSE(RoomAllowed(some, "lobby2"));
  some.rooms->clear();
  EXPECT_FALSE(RoomAllowed(some, "lobby"));
  EXPECT_FALSE(IsModerator(some));
  some.roles = {"moderator"};
  EXPECT_TRUE(IsModerator(some));
}

}  // namespace
}  // namespace chat::auth
