#include "chat/core/sse_parser.h"

#include <gtest/gtest.h>

namespace chat {
namespace {

std::vector<SseParsedEvent> ParseAll(std::string_view stream) {
  SseParser parser;
  parser.Feed(stream);
  return parser.TakeEvents();
}

TEST(SseParserTest, DispatchesOnBlankLineOnly) {
  SseParser parser;
  parser.Feed("data: a\n");
  EXPECT_TRUE(parser.TakeEvents().empty());
  parser.Feed("\n");
  const auto events = parser.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], (SseParsedEvent{"message", "a", ""}));
}

TEST(SseParserTest, UnterminatedLastEventIsDropped) {
  EXPECT_TRUE(ParseAll("data: a\n").empty());
  EXPECT_TRUE(ParseAll("data: a").empty());
}

TEST(SseParserTest, AllLineEndings) {
  const auto events = ParseAll("data: a\r\ndata: b\rdata: c\n\r\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\nb\nc");
}

TEST(SseParserTest, CrLfSplitAcrossChunks) {
  SseParser parser;
  parser.Feed("data: a\r");
  parser.Feed("\ndata: b\r");
  parser.Feed("\n\r");
  parser.Feed("\n");
  const auto events = parser.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\nb");
}

TEST(SseParserTest, FieldValueSpacing) {
  const auto events = ParseAll("data:no-space\ndata:  two-spaces\ndata\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "no-space\n two-spaces\n");
}

TEST(SseParserTest, LeadingBomStrippedOnce) {
  auto events = ParseAll(
      "\xef\xbb\xbf"
      "data: x\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "x");
  // A second BOM is part of the first line: field name "\ufeffdata" is unknown.
  EXPECT_TRUE(ParseAll("\xef\xbb\xbf\xef\xbb\xbf"
                       "data: x\n\n")
                  .empty());
  // A BOM split over chunks.
  SseParser parser;
  parser.Feed("\xef");
  parser.Feed("\xbb");
  parser.Feed(
      "\xbf"
      "data: y\n\n");
  events = parser.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "y");
  // A partial BOM is not a BOM: the bytes stay in the line.
  events = ParseAll(
      "\xef\xbb"
      ":c\ndata: z\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "z");
}

TEST(SseParserTest, IdRules) {
  SseParser parser;
  parser.Feed("id: 1\ndata: a\n\n");
  parser.Feed(std::string_view("id: 2\0x\ndata: b\n\n", 17));  // NUL: ignored
  parser.Feed("id\ndata: c\n\n");                              // empty id resets
  const auto events = parser.TakeEvents();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].last_event_id, "1");
  EXPECT_EQ(events[1].last_event_id, "1");
  EXPECT_EQ(events[2].last_event_id, "");
}

TEST(SseParserTest, IdPersistsAcrossEventsAndAppliesWithoutData) {
  SseParser parser;
  parser.Feed("id: 5\n\ndata: a\n\n");
  const auto events = parser.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].last_event_id, "5");
}

TEST(SseParserTest, RetryDigitsOnly) {
  SseParser parser;
  parser.Feed("retry: 1500\n\n");
  EXPECT_EQ(parser.retry_ms(), 1500u);
  parser.Feed("retry: 15x\nretry: -1\nretry:\nretry: 1 0\n\n");
  EXPECT_EQ(parser.retry_ms(), 1500u);
}

TEST(SseParserTest, EventTypeResetsAfterDispatch) {
  const auto events = ParseAll("event: reset\ndata: a\n\ndata: b\n\nevent: x\n\ndata: c\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, "reset");
  EXPECT_EQ(events[1].type, "message");
  EXPECT_EQ(events[2].type, "message");  // a type without data is dropped with it
}

TEST(SseParserTest, UnknownFieldsAndCommentsIgnored) {
  SseParser parser;
  parser.Feed(": hello\nfoo: bar\ndata: a\n\n");
  EXPECT_EQ(parser.TakeComments(), std::vector<std::string>{" hello"});
  const auto events = parser.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a");
}

}  // namespace
}  // namespace chat
