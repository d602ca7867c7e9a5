// Fuzz target: the token verifier on arbitrary bytes.
// Properties checked (abort on violation): Verify never crashes, never
// accepts a token it was not given a valid signature for (the key is a
// fixed HMAC secret nobody signs with here, so every input must be refused),
// and names every refusal with a known error code.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "chat/auth/jwt_verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const chat::auth::Verifier* verifier = [] {
    auto keys = chat::auth::KeySet::Parse("fuzz-secret-that-no-input-is-signed-with-0123456789");
    auto made = chat::auth::Verifier::Create(std::move(*keys), {});
    return new chat::auth::Verifier(std::move(*made));
  }();
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  auto result = verifier->Verify(token, 1'800'000'000);
  if (result.has_value()) std::abort();
  if (std::strlen(chat::auth::TokenErrorName(result.error().code)) == 0) std::abort();
  return 0;
}
