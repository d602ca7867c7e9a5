#include "chat/core/iso_time.h"

#include <gtest/gtest.h>

namespace chat {
namespace {

std::string Iso(int64_t ms) { return FormatIsoMillis(ms).value_or("<none>"); }

TEST(IsoTimeTest, EpochAndRecentDates) {
  EXPECT_EQ(Iso(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Iso(1795878761123), "2026-11-28T15:12:41.123Z");
  EXPECT_EQ(Iso(951825600000), "2000-02-29T12:00:00.000Z");  // leap day of a 400-year
}

TEST(IsoTimeTest, BeforeNineteenSeventy) {
  EXPECT_EQ(Iso(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(Iso(-14182940000), "1969-07-20T20:17:40.000Z");
  EXPECT_EQ(Iso(-2203891200000), "1900-03-01T00:00:00.000Z");  // 1900 has no Feb 29
  EXPECT_EQ(Iso(-62135596800000), "0001-01-01T00:00:00.000Z");
  EXPECT_EQ(Iso(-62167219200000), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(Iso(-62167219200001), "-000001-12-31T23:59:59.999Z");
}

TEST(IsoTimeTest, FarFuture) {
  EXPECT_EQ(Iso(253402300799999), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(Iso(253402300800000), "+010000-01-01T00:00:00.000Z");
}

TEST(IsoTimeTest, JavaScriptRangeLimits) {
  EXPECT_EQ(Iso(kMaxIsoMillis), "+275760-09-13T00:00:00.000Z");
  EXPECT_EQ(Iso(-kMaxIsoMillis), "-271821-04-20T00:00:00.000Z");
  EXPECT_FALSE(FormatIsoMillis(kMaxIsoMillis + 1));
  EXPECT_FALSE(FormatIsoMillis(-kMaxIsoMillis - 1));
  EXPECT_FALSE(FormatIsoMillis(INT64_MAX));
  EXPECT_FALSE(FormatIsoMillis(INT64_MIN));
}

TEST(IsoTimeTest, EveryDayOfFourHundredYearsIsConsistent) {
  // Consecutive days must give consecutive dates: day numbers strictly
  // increase and months/days stay in range (catches era and leap mistakes).
  std::string previous = Iso(-86'400'000);
  for (int64_t day = 0; day < 146097; ++day) {
    const std::string current = Iso(day * 86'400'000 + 86'399'999);
    ASSERT_LT(previous, current) << day;
    ASSERT_EQ(current.substr(10), "T23:59:59.999Z");
    const int month = std::stoi(current.substr(5, 2));
    const int dom = std::stoi(current.substr(8, 2));
    ASSERT_GE(month, 1);
    ASSERT_LE(month, 12);
    ASSERT_GE(dom, 1);
    ASSERT_LE(dom, 31);
    previous = current;
  }
  EXPECT_EQ(previous, "2369-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace chat
