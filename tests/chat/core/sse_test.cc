#include "chat/core/sse.h"

#include <gtest/gtest.h>

#include <random>

#include "chat/core/sse_parser.h"
#include "chat/core/utf8.h"

namespace chat {
namespace {

std::string Event(std::optional<std::string_view> id, std::optional<std::string_view> event,
                  std::string_view data) {
  std::string out;
  EXPECT_TRUE(AppendSseEvent(out, SseEvent{id, event, data}));
  return out;
}

std::vector<SseParsedEvent> Parse(std::string_view stream, bool byte_by_byte = false) {
  SseParser parser;
  if (byte_by_byte) {
    for (char c : stream) parser.Feed(std::string_view(&c, 1));
  } else {
    parser.Feed(stream);
  }
  return parser.TakeEvents();
}

TEST(SseTest, Retry) {
  std::string out;
  AppendSseRetry(out, 2000);
  EXPECT_EQ(out, "retry: 2000\n\n");
  SseParser parser;
  parser.Feed(out);
  EXPECT_EQ(parser.retry_ms(), 2000u);
  EXPECT_TRUE(parser.TakeEvents().empty());
}

TEST(SseTest, SimpleEvent) {
  EXPECT_EQ(Event("abc", std::nullopt, "{\"a\":1}"), "id: abc\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(Event(std::nullopt, "reset", "x"), "event: reset\ndata: x\n\n");
}

TEST(SseTest, DataWithLineBreaksBecomesSeveralDataLines) {
  EXPECT_EQ(Event(std::nullopt, std::nullopt, "a\nb\rc\r\nd"),
            "data: a\ndata: b\ndata: c\ndata: d\n\n");
  // A frame boundary or a forged field inside data stays data.
  const std::string evil = "x\n\nid: forged\nevent: reset\ndata: y\r\n\r\n";
  const auto events = Parse(Event("1", std::nullopt, evil));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, NormalizeNewlines(evil));
  EXPECT_EQ(events[0].last_event_id, "1");
  EXPECT_EQ(events[0].type, "message");
}

TEST(SseTest, EdgeCaseData) {
  for (std::string_view data :
       {std::string_view(""), std::string_view("\n"), std::string_view("\r"),
        std::string_view("\r\n"), std::string_view(" leading space"),
        std::string_view("trailing\n"), std::string_view("a\0b", 3),
        std::string_view("u2028:\xe2\x80\xa8:u2029:\xe2\x80\xa9"), std::string_view(":colon"),
        std::string_view("\xef\xbb\xbf"
                         "bom")}) {
    const auto events = Parse(Event(std::nullopt, std::nullopt, data));
    ASSERT_EQ(events.size(), 1u) << data;
    EXPECT_EQ(events[0].data, NormalizeNewlines(data));
  }
}

TEST(SseTest, VeryLongData) {
  const std::string data(1 << 20, 'x');
  const auto events = Parse(Event("7", std::nullopt, data + "\n" + data));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, data + "\n" + data);
}

TEST(SseTest, RejectsIdAndEventWithLineBreaksOrNul) {
  std::string out = "keep";
  for (std::string_view bad :
       {std::string_view("a\nb"), std::string_view("a\rb"), std::string_view("a\0b", 3)}) {
    EXPECT_EQ(AppendSseEvent(out, SseEvent{bad, std::nullopt, "x"}).error(),
              SseFormatError::kBadId);
    EXPECT_EQ(AppendSseEvent(out, SseEvent{std::nullopt, bad, "x"}).error(),
              SseFormatError::kBadEventName);
    EXPECT_EQ(AppendSseIdOnly(out, bad).error(), SseFormatError::kBadId);
  }
  EXPECT_EQ(out, "keep");  // nothing appended on failure
}

TEST(SseTest, CommentIsIgnoredByClients) {
  std::string out;
  AppendSseComment(out, "keepalive");
  EXPECT_EQ(out, ": keepalive\n\n");
  AppendSseComment(out, "two\nlines\r\ndata: x");
  SseParser parser;
  parser.Feed(out);
  EXPECT_TRUE(parser.TakeEvents().empty());
  EXPECT_EQ(parser.TakeComments(),
            (std::vector<std::string>{" keepalive", " two", " lines", " data: x"}));
}

TEST(SseTest, IdOnlyMovesLastEventIdWithoutDispatch) {
  std::string out = Event("1", std::nullopt, "first");
  ASSERT_TRUE(AppendSseIdOnly(out, "2"));
  EXPECT_EQ(out.substr(out.size() - 7), "id: 2\n\n");
  SseParser parser;
  parser.Feed(out);
  EXPECT_EQ(parser.TakeEvents().size(), 1u);
  EXPECT_EQ(parser.last_event_id(), "2");
}

// Property: any bytes as data (and any single-line id/event) survive a trip
// through the writer and the independent parser, whole or byte by byte.
TEST(SseTest, RandomRoundTrip) {
  std::mt19937 rng(1234);
  const char alphabet[] = {'a', ' ', ':', '\n', '\r', '\0', '\xef', '\xbb', '\xbf', 'd', 'i'};
  for (int round = 0; round < 2000; ++round) {
    std::string data, id, type;
    const size_t length = rng() % 40;
    for (size_t i = 0; i < length; ++i) {
      data += (round % 2) ? static_cast<char>(rng() & 0xFF) : alphabet[rng() % sizeof alphabet];
    }
    for (size_t i = rng() % 6; i > 0; --i) id += static_cast<char>('0' + rng() % 10);
    for (size_t i = rng() % 6; i > 0; --i) type += static_cast<char>('a' + rng() % 26);
    std::string stream;
    AppendSseRetry(stream, 100);
    stream += Event(id, type.empty() ? std::nullopt : std::optional<std::string_view>(type), data);
    AppendSseComment(stream, data);
    for (bool bytewise : {false, true}) {
      const auto events = Parse(stream, bytewise);
      ASSERT_EQ(events.size(), 1u);
      EXPECT_EQ(events[0].data, NormalizeNewlines(data));
      EXPECT_EQ(events[0].last_event_id, id);
      EXPECT_EQ(events[0].type, type.empty() ? "message" : type);
    }
  }
}

}  // namespace
}  // namespace chat
