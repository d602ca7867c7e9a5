// The checks on an incoming BSON document that libbson 1.23's
// bson_validate() does not make.
//
// Debian 12's libbson (1.23.1) validates UTF-8 in keys but not in string
// values even when asked to (fixed upstream only in the 2025 validator
// rewrite, CDRIVER-6017), and it recurses without a depth limit, so a
// hostile message of a few MB nested millions of levels deep would
// overflow the stack. This walk bounds the depth *before* bson_validate runs
// and checks every key and text value. Thread-safety: pure function.
#pragma once

#include <bson/bson.h>

#include <string>

namespace devmongod::wire {

// mongod's default maxBSONDepth: deeper documents are refused by the real
// server too, so no driver sends them.
inline constexpr int kMaxBsonNestingDepth = 200;

// "" if every element of `document` is well formed, its keys and text values
// are UTF-8 (embedded NULs allowed in values) and no document or array is
// nested deeper than kMaxBsonNestingDepth; otherwise a short reason.
// `document` must be a complete frame (as bson_init_static accepts).
std::string CheckBsonContent(const bson_t& document);

}  // namespace devmongod::wire
