// Parsing the JSON objects of tokens and key files with cJSON, plus the
// checks cJSON leaves to us: the text must be one object and nothing else
// (no NUL byte cutting it short), with no name given twice at its top
// level (cJSON keeps both members; a claim read twice two ways is how
// token confusion starts).
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/cjson_ptr.h"

namespace chat::auth {

// Null when `text` is not exactly one JSON object with unique member names.
common::CjsonPtr ParseJsonObject(std::string_view text);

// The member's string value; nullopt when absent. `*wrong_type` is set when
// the member exists but is not a string.
std::optional<std::string> StringMember(const cJSON& object, const char* name, bool* wrong_type);

}  // namespace chat::auth
