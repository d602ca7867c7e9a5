// Milliseconds since the Unix epoch → the ISO 8601 text JavaScript's
// Date.prototype.toISOString() produces ("2026-11-28T15:12:41.123Z"), so the
// browser and Mongoose-era clients read our dates unchanged.
//
// Thread-safety: pure function (no time zone database, no locale).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace chat {

// JavaScript's Date range: ±8.64e15 ms (±100,000,000 days) around 1970.
inline constexpr int64_t kMaxIsoMillis = 8'640'000'000'000'000;

// Years 0..9999 print as four digits; others as a sign and six digits
// ("-000001-12-31T…", "+010000-01-01T…"), as JavaScript does. nullopt
// outside ±kMaxIsoMillis, where JavaScript has no date either.
std::optional<std::string> FormatIsoMillis(int64_t ms_since_epoch);

}  // namespace chat
