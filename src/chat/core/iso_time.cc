#include "chat/core/iso_time.h"

#include <cstdio>

namespace chat {
namespace {

struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

// Proleptic Gregorian date of a day count since 1970-01-01. Works in 400-year
// eras (146097 days each) with years starting on March 1st, so the leap day
// is the last day of a "year" and needs no special case.
CivilDate CivilFromDays(int64_t days) {
  const int64_t shifted = days + 719468;  // days since 0000-03-01
  const int64_t era = (shifted >= 0 ? shifted : shifted - 146096) / 146097;
  const int64_t day_of_era = shifted - era * 146097;  // 0..146096
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_index = (5 * day_of_year + 2) / 153;  // 0 = March
  const int day = static_cast<int>(day_of_year - (153 * month_index + 2) / 5 + 1);
  const int month = static_cast<int>(month_index < 10 ? month_index + 3 : month_index - 9);
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::optional<std::string> FormatIsoMillis(int64_t ms) {
  if (ms > kMaxIsoMillis || ms < -kMaxIsoMillis) return std::nullopt;
  constexpr int64_t kMsPerDay = 86'400'000;
  const int64_t days = FloorDiv(ms, kMsPerDay);
  const int64_t ms_of_day = ms - days * kMsPerDay;
  const CivilDate date = CivilFromDays(days);
  const int hour = static_cast<int>(ms_of_day / 3'600'000);
  const int minute = static_cast<int>(ms_of_day / 60'000 % 60);
  const int second = static_cast<int>(ms_of_day / 1000 % 60);
  const int millis = static_cast<int>(ms_of_day % 1000);

  char year_text[24];
  if (date.year >= 0 && date.year <= 9999) {
    std::snprintf(year_text, sizeof year_text, "%04lld", static_cast<long long>(date.year));
  } else {
    std::snprintf(year_text, sizeof year_text, "%c%06lld", date.year < 0 ? '-' : '+',
                  static_cast<long long>(date.year < 0 ? -date.year : date.year));
  }
  char text[80];
  std::snprintf(text, sizeof text, "%s-%02d-%02dT%02d:%02d:%02d.%03dZ", year_text, date.month,
                date.day, hour, minute, second, millis);
  return std::string(text);
}

}  // namespace chat
