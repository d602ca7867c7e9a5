#include "chat/core/json_reader.h"

#include <gtest/gtest.h>

namespace chat {
namespace {

using Kind = JsonReadError::Kind;

std::optional<Kind> ErrorKind(std::string_view text) {
  auto result = ReadJsonObject(text);
  if (result) return std::nullopt;
  return result.error().kind;
}

TEST(JsonReaderTest, ReadsTopLevelMembersWithTypes) {
  auto members = ReadJsonObject(
      R"( {"s":"x","n":-1.5e+3,"t":true,"f":false,"z":null,"a":[1,{"b":[]}],"o":{"k":"v"}} )");
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 7u);
  EXPECT_EQ((*members)[0].key, "s");
  EXPECT_EQ((*members)[0].type, JsonType::kString);
  EXPECT_EQ((*members)[0].string_value, "x");
  EXPECT_EQ((*members)[1].type, JsonType::kNumber);
  EXPECT_EQ((*members)[2].type, JsonType::kBool);
  EXPECT_EQ((*members)[3].type, JsonType::kBool);
  EXPECT_EQ((*members)[4].type, JsonType::kNull);
  EXPECT_EQ((*members)[5].type, JsonType::kArray);
  EXPECT_EQ((*members)[6].type, JsonType::kObject);
}

TEST(JsonReaderTest, DecodesEscapes) {
  auto members = ReadJsonObject(R"({"k\u0065y":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\u0000"})");
  ASSERT_TRUE(members);
  EXPECT_EQ((*members)[0].key, "key");
  EXPECT_EQ((*members)[0].string_value,
            std::string_view("\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80\0", 15));
}

TEST(JsonReaderTest, EmptyObject) {
  auto members = ReadJsonObject("{}");
  ASSERT_TRUE(members);
  EXPECT_TRUE(members->empty());
}

TEST(JsonReaderTest, RejectsInvalidJson) {
  for (std::string_view text : {"",
                                " ",
                                "{",
                                "}",
                                "{\"a\"}",
                                "{\"a\":}",
                                "{\"a\":1,}",
                                "{,}",
                                "{\"a\" 1}",
                                "{a:1}",
                                "{'a':1}",
                                "{\"a\":1}x",
                                "{\"a\":1}{}",
                                "{\"a\":01}",
                                "{\"a\":+1}",
                                "{\"a\":1.}",
                                "{\"a\":.5}",
                                "{\"a\":1e}",
                                "{\"a\":-}",
                                "{\"a\":NaN}",
                                "{\"a\":tru}",
                                "{\"a\":nul}",
                                "{\"a\":\"x}",
                                "{\"a\":\"\\x\"}",
                                "{\"a\":\"\\u12\"}",
                                "{\"a\":\"\\u12g4\"}",
                                "{\"a\":[1 2]}",
                                "{\"a\":[1,]}",
                                "\x01{}",
                                "{}\x01",
                                "{\"a\":\"tab\there\"}",
                                "{\"a\":\"nl\nhere\"}",
                                "{\"a\":1}\f",
                                "{\"a\":1} // comment"}) {
    EXPECT_EQ(ErrorKind(text), Kind::kInvalidJson) << text;
  }
}

TEST(JsonReaderTest, RejectsUnpairedSurrogateEscapes) {
  EXPECT_EQ(ErrorKind(R"({"a":"\ud800"})"), Kind::kInvalidJson);
  EXPECT_EQ(ErrorKind(R"({"a":"\ud800x"})"), Kind::kInvalidJson);
  EXPECT_EQ(ErrorKind(R"({"a":"\udc00"})"), Kind::kInvalidJson);
  EXPECT_EQ(ErrorKind(R"({"a":"\udc00\ud800"})"), Kind::kInvalidJson);
  EXPECT_EQ(ErrorKind(R"({"a":"\ud800\u0041"})"), Kind::kInvalidJson);
  EXPECT_EQ(ErrorKind(R"({"a":"\ud800\ud800"})"), Kind::kInvalidJson);
}

TEST(JsonReaderTest, NonObjectTopLevel) {
  for (std::string_view text : {"[]", "\"s\"", "1", "null", "true", " [1,{}] "}) {
    EXPECT_EQ(ErrorKind(text), Kind::kNotObject) << text;
  }
}

TEST(JsonReaderTest, DuplicateKeysAfterDecoding) {
  auto result = ReadJsonObject(R"({"username":"a","user\u006eame":"b"})");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Kind::kDuplicateKey);
  EXPECT_EQ(result.error().key, "username");
  // Nested objects may repeat keys of their parent.
  EXPECT_TRUE(ReadJsonObject(R"({"a":{"a":1}})"));
}

TEST(JsonReaderTest, DepthLimit) {
  auto nested = [](int depth) {
    std::string text;
    for (int i = 1; i < depth; ++i) text += "{\"a\":";
    text += "{}";
    for (int i = 1; i < depth; ++i) text += "}";
    return text;
  };
  EXPECT_TRUE(ReadJsonObject(nested(kMaxJsonDepth)));
  EXPECT_EQ(ErrorKind(nested(kMaxJsonDepth + 1)), Kind::kTooDeep);
  EXPECT_EQ(ErrorKind("{\"a\":" + std::string(10000, '[')), Kind::kTooDeep);
  EXPECT_EQ(ErrorKind(std::string(100000, '[')), Kind::kTooDeep);
}

}  // namespace
}  // namespace chat
