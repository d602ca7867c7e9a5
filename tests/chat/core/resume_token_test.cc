#include "chat/core/resume_token.h"

#include <gtest/gtest.h>

namespace chat {
namespace {

TEST(ResumeTokenTest, ValidEventIds) {
  EXPECT_TRUE(IsValidEventId("0"));
  EXPECT_TRUE(IsValidEventId("8265F0B9C1000000012B022C0100296E5A1004"));
  EXPECT_TRUE(IsValidEventId("abcdefABCDEF0123456789"));
  EXPECT_TRUE(IsValidEventId(std::string(kMaxEventIdLength, 'a')));
}

TEST(ResumeTokenTest, InvalidEventIds) {
  EXPECT_FALSE(IsValidEventId(""));
  EXPECT_FALSE(IsValidEventId(std::string(kMaxEventIdLength + 1, 'a')));
  EXPECT_FALSE(IsValidEventId("12g4"));
  EXPECT_FALSE(IsValidEventId("12 34"));
  EXPECT_FALSE(IsValidEventId("0x12"));
  EXPECT_FALSE(IsValidEventId(std::string_view("12\0", 3)));
  EXPECT_FALSE(IsValidEventId("{\"$gt\":\"\"}"));
}

TEST(ResumeTokenTest, RoundTrip) {
  const std::string id = "8265F0B9C1000000012B022C0100296E5A1004";
  auto token = ResumeTokenFromEventId(id);
  ASSERT_TRUE(token);
  EXPECT_EQ(common::BsonToJson(**token), "{ \"_data\" : \"" + id + "\" }");
  EXPECT_EQ(EventIdFromResumeToken(**token), id);
}

TEST(ResumeTokenTest, RefusesBadIds) {
  EXPECT_FALSE(ResumeTokenFromEventId(""));
  EXPECT_FALSE(ResumeTokenFromEventId("xyz"));
}

TEST(ResumeTokenTest, RefusesTokensThatCannotBeIds) {
  common::BsonPtr empty = common::NewBson();
  EXPECT_EQ(EventIdFromResumeToken(*empty).error(), "resume token has no _data field");

  common::BsonPtr binary = common::NewBson();
  const uint8_t bytes[] = {1, 2, 3};
  BSON_APPEND_BINARY(binary.get(), "_data", BSON_SUBTYPE_BINARY, bytes, 3);
  EXPECT_EQ(EventIdFromResumeToken(*binary).error(), "resume token _data is not a string");

  common::BsonPtr newline = common::NewBson();
  BSON_APPEND_UTF8(newline.get(), "_data", "12\n34");
  EXPECT_FALSE(EventIdFromResumeToken(*newline));
}

}  // namespace
}  // namespace chat
