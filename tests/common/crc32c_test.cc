#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace common {
namespace {

// Check values from RFC 3720, appendix B.4.
TEST(Crc32c, MatchesRfc3720Vectors) {
  std::string zeros(32, '\0');
  EXPECT_EQ(common::Crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  std::string ones(32, '\xFF');
  EXPECT_EQ(common::Crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  EXPECT_EQ(common::Crc32c("123456789", 9), 0xE3069283u);
}

TEST(Crc32c, CanBeExtendedPiecewise) {
  const std::string s = "hello, change streams";
  uint32_t whole = common::Crc32c(s.data(), s.size());
  uint32_t part = common::Crc32c(s.data(), 5);
  EXPECT_EQ(common::Crc32c(s.data() + 5, s.size() - 5, part), whole);
}

}  // namespace
}  // namespace common
