#include "chat/core/log_line.h"

#include <gtest/gtest.h>

namespace chat {
namespace {

std::string Value(std::string_view value) {
  std::string out;
  AppendLogfmtValue(out, value);
  return out;
}

TEST(LogLineTest, FullStreamLine) {
  const std::string line = LogLine(1795878761123, "stream-messages", 123, 7)
                               .Method("GET")
                               .Path("/api/stream-messages?room=general&lastEventId=ab")
                               .Status(200)
                               .Room("general")
                               .DurationMs(1234)
                               .Events(5)
                               .Bytes(2048)
                               .Writes(3)
                               .End("client_gone")
                               .Finish();
  EXPECT_EQ(line,
            "ts=2026-11-28T15:12:41.123Z prog=stream-messages pid=123 req=7 method=GET "
            "path=/api/stream-messages status=200 room=general dur_ms=1234 events=5 bytes=2048 "
            "writes=3 end=client_gone\n");
}

TEST(LogLineTest, ErrorAndDetail) {
  const std::string line = LogLine(0, "messages", 1, 1)
                               .Status(400)
                               .Error(ErrorCode::kFieldTooLong)
                               .Detail("field content is not a string")
                               .Finish();
  EXPECT_EQ(line,
            "ts=1970-01-01T00:00:00.000Z prog=messages pid=1 req=1 status=400 "
            "error=field_too_long detail=\"field content is not a string\"\n");
}

TEST(LogLineTest, UserIdIsAnEscapedValue) {
  EXPECT_EQ(LogLine(0, "messages", 1, 1).User("alice").Status(201).Finish(),
            "ts=1970-01-01T00:00:00.000Z prog=messages pid=1 req=1 user=alice status=201\n");
  EXPECT_EQ(LogLine(0, "messages", 1, 1).User("a b\n").Finish(),
            "ts=1970-01-01T00:00:00.000Z prog=messages pid=1 req=1 user=\"a b\\x0a\"\n");
}

TEST(LogLineTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(Value("plain"), "plain");
  EXPECT_EQ(Value("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(Value(""), "\"\"");
  EXPECT_EQ(Value("a b"), "\"a b\"");
  EXPECT_EQ(Value("a=b"), "\"a=b\"");
  EXPECT_EQ(Value("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(Value("back\\slash"), R"("back\\slash")");
}

TEST(LogLineTest, ControlAndInvalidBytesEscaped) {
  EXPECT_EQ(Value("a\nb"), R"("a\x0ab")");
  EXPECT_EQ(Value("a\rb\tc"), R"("a\x0db\x09c")");
  EXPECT_EQ(Value(std::string_view("a\0b", 3)), R"("a\x00b")");
  EXPECT_EQ(Value("a\xffz"), R"("a\xffz")");
  EXPECT_EQ(Value("a\xe2\x80\xa8z"), R"("a\xe2\x80\xa8z")");
  EXPECT_EQ(Value("a\xc2\x85z"), R"("a\xc2\x85z")");
}

TEST(LogLineTest, LinesNeverBreak) {
  const std::string line = LogLine(0, "p r\no\"g", -1, 0)
                               .Method("GET\r\nX: y")
                               .Path("/a b\n")
                               .Room(std::string(1000, 'r'))
                               .Finish();
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_LT(line.size(), 600u);  // values are capped
}

}  // namespace
}  // namespace chat
