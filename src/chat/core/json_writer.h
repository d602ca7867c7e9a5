// The one JSON string escaper behind every JSON text the chat emits (message
// JSON, history pages, error bodies, SSE event data).
//
// Why not cJSON's printer: it passes U+2028/U+2029 through raw (they end a
// line in some JavaScript contexts and log viewers) and copies invalid UTF-8
// bytes verbatim. Ours writes one line of valid UTF-8 whatever the input.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace chat {

// Appends `text` as a quoted JSON string: `"` and `\` escaped, every C0
// control and DEL as \u00XX (\n \r \t \b \f by their short forms), U+2028 and
// U+2029 as \u2028/\u2029, each byte that is not part of strict UTF-8 as
// \ufffd. The result never contains a raw CR, LF or NUL.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace chat
