// Resume-token encoding: round trip and strict rejection of anything else.
#include "devmongod/engine/resume_token.h"

#include <gtest/gtest.h>

#include "engine_test_support.h"

namespace devmongod {
namespace {

std::expected<ResumeToken, CommandError> DecodeJson(const std::string& json) {
  common::BsonPtr doc = testing::Json(R"({"t": )" + json + "}");
  bson_iter_t iter;
  EXPECT_TRUE(bson_iter_init_find(&iter, doc.get(), "t"));
  return DecodeResumeToken(iter, "resumeAfter");
}

TEST(ResumeTokenTest, RoundTrips) {
  for (const ResumeToken& token :
       {ResumeToken{{1700000000, 5}, 42, false}, ResumeToken{{0, 0}, 0, false},
        ResumeToken{{UINT32_MAX, UINT32_MAX}, UINT64_MAX, true},
        HighWaterMark({1700000000, 6}, 42)}) {
    std::string data = EncodeResumeTokenData(token);
    EXPECT_EQ(data.size(), 36u);
    EXPECT_EQ(data.substr(0, 2), "82");
    auto decoded = DecodeJson(R"({"_data": ")" + data + "\"}");
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
    EXPECT_EQ(*decoded, token);
  }
}

TEST(ResumeTokenTest, EncodesTimestampThenSequenceInUppercaseHex) {
  EXPECT_EQ(EncodeResumeTokenData(ResumeToken{{0x6553F100, 0x1A}, 0xBEEF, false}),
            "826553F1000000001A000000000000BEEF00");
}

// A high-water mark at T sorts after every event before T and before every
// event at T or later (the sequence field is the last event before T).
TEST(ResumeTokenTest, HighWaterMarkSortsBetweenTheEventsAroundIt) {
  const std::string before = EncodeResumeTokenData(ResumeToken{{100, 7}, 41, false});
  const std::string mark = EncodeResumeTokenData(HighWaterMark({100, 8}, 41));
  const std::string at = EncodeResumeTokenData(ResumeToken{{100, 8}, 42, false});
  EXPECT_LT(before, mark);
  EXPECT_LT(mark, at);
  EXPECT_EQ(mark.substr(34), "02");
}

TEST(ResumeTokenTest, RejectsMalformedTokens) {
  const std::string good = EncodeResumeTokenData(ResumeToken{{1, 2}, 3, false});
  std::string lower = good;
  lower[35] = 'a';
  lower[34] = 'a';
  for (const std::string& bad : {
           std::string(R"("826553")"),                                       // not an object
           std::string(R"({})"),                                             // no _data
           std::string(R"({"_data": 5})"),                                   // not a string
           std::string(R"({"_data": "82"})"),                                // too short
           R"({"_data": ")" + good + R"(00"})",                              // too long
           R"({"_data": ")" + std::string("83") + good.substr(2) + R"("})",  // wrong format byte
           R"({"_data": ")" + good.substr(0, 20) + "ZZ" + good.substr(22) + R"("})",  // not hex
           R"({"_data": ")" + good.substr(0, 34) + R"(ab"})",  // lowercase hex
           R"({"_data": ")" + good.substr(0, 34) + R"(03"})",  // unknown kind
           R"({"_data": ")" + good + R"(", "extra": 1})",      // extra field
       }) {
    auto decoded = DecodeJson(bad);
    EXPECT_FALSE(decoded.has_value()) << bad;
    if (!decoded) {
      EXPECT_TRUE(decoded.error().code == 9 || decoded.error().code == 2) << bad;
      EXPECT_FALSE(decoded.error().message.empty());
    }
  }
}

}  // namespace
}  // namespace devmongod
