// Strict UTF-8 (RFC 3629): decoding, validation, code-point counting and
// Unicode-aware trimming. "Strict" means: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequences.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace chat {

struct DecodedCodePoint {
  char32_t code_point;
  size_t length;  // bytes consumed, 1..4
};

// Decodes the sequence starting at text[pos]; nullopt if it is not strict
// UTF-8 (or pos is at the end).
std::optional<DecodedCodePoint> DecodeUtf8At(std::string_view text, size_t pos);

bool IsValidUtf8(std::string_view text);

// Number of code points; text must be valid UTF-8.
size_t CountCodePoints(std::string_view text);

// Appends the UTF-8 encoding of a scalar value (not a surrogate, <= U+10FFFF).
void AppendUtf8(std::string& out, char32_t cp);

// White_Space code points of Unicode plus the invisible ones people paste by
// accident at the ends of a name: U+180E, U+200B, U+FEFF.
bool IsTrimmableSpace(char32_t cp);

// C0 controls, DEL and C1 controls (U+0080..U+009F).
bool IsControl(char32_t cp);

// `text` without leading and trailing trimmable space; text must be valid UTF-8.
std::string_view TrimUnicodeSpace(std::string_view text);

// CRLF and lone CR become LF (as WHATWG's SSE parser does between data
// lines, and as stored message content is normalised).
std::string NormalizeNewlines(std::string_view text);

}  // namespace chat
