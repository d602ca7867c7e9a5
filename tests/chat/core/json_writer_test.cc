#include "chat/core/json_writer.h"

#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "chat/core/utf8.h"

namespace chat {
namespace {

struct CjsonDeleter {
  void operator()(cJSON* json) const { cJSON_Delete(json); }
};

std::string Quote(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Quote("plain"), "\"plain\"");
  EXPECT_EQ(Quote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Quote("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(Quote(std::string_view("\0\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001f\u007f")");
  EXPECT_EQ(Quote("/"), "\"/\"");
}

TEST(JsonWriterTest, EscapesLineAndParagraphSeparators) {
  EXPECT_EQ(Quote("a\xe2\x80\xa8"
                  "b\xe2\x80\xa9"),
            R"("a\u2028b\u2029")");
}

TEST(JsonWriterTest, KeepsOtherUnicodeRaw) {
  EXPECT_EQ(Quote("caf\xc3\xa9 \xf0\x9f\x98\x80 \xc2\x85"),
            "\"caf\xc3\xa9 \xf0\x9f\x98\x80 \xc2\x85\"");
}

TEST(JsonWriterTest, ReplacesInvalidUtf8) {
  EXPECT_EQ(Quote("a\xff"
                  "b\xed\xa0\x80"),
            R"("a\ufffdb\ufffd\ufffd\ufffd")");
}

// cJSON as an independent reader: for random valid UTF-8 strings, what we
// write must parse back to the same text, on one line.
TEST(JsonWriterTest, RoundTripsThroughCjson) {
  std::mt19937 rng(42);
  const char32_t pool[] = {U'a',          U'"',    U'\\',     U'\n',     U'\r',
                           U'\x01',       U'\x7f', U'\u00e9', U'\u2028', U'\u2029',
                           U'\U0001F600', U' ',    U'/',      U'\u0085'};
  for (int round = 0; round < 500; ++round) {
    std::string text;
    const int length = static_cast<int>(rng() % 20);
    for (int i = 0; i < length; ++i) AppendUtf8(text, pool[rng() % std::size(pool)]);
    const std::string json = Quote(text);
    EXPECT_EQ(json.find_first_of("\r\n"), std::string::npos);
    EXPECT_EQ(json.find("\xe2\x80\xa8"), std::string::npos);
    std::unique_ptr<cJSON, CjsonDeleter> parsed(cJSON_Parse(json.c_str()));
    ASSERT_TRUE(parsed) << json;
    ASSERT_TRUE(cJSON_IsString(parsed.get()));
    EXPECT_EQ(std::string(parsed->valuestring), text);
  }
}

}  // namespace
}  // namespace chat
