// base64url without padding (RFC 4648 §5), as JWS compact serialisation
// uses it. Decoding is strict: no padding, no whitespace, no characters
// outside the alphabet, no leftover bits (so one value has one encoding).
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chat::auth {

std::string EncodeBase64Url(std::string_view bytes);
std::optional<std::string> DecodeBase64Url(std::string_view text);

}  // namespace chat::auth
