#include "chat/core/message.h"

#include <gtest/gtest.h>

namespace chat {
namespace {

// The error code name, or "ok".
std::string Outcome(std::string_view body) {
  auto result = ValidatePostBody(body);
  return result ? std::string("ok") : std::string(result.error().code_name());
}

std::string Field(std::string_view body) {
  auto result = ValidatePostBody(body);
  return result ? std::string() : result.error().field;
}

std::string Body(std::string_view username, std::string_view content) {
  return std::string(R"({"username":")") + std::string(username) + R"(","content":")" +
         std::string(content) + "\"}";
}

std::string Repeat(std::string_view unit, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += unit;
  return out;
}

TEST(MessageTest, HappyPathDefaultsRoom) {
  auto message = ValidatePostBody(R"({"username":"ann","content":"hello"})");
  ASSERT_TRUE(message);
  EXPECT_EQ(*message, (NewMessage{"ann", "hello", "general"}));
}

TEST(MessageTest, AuthenticatedCallersMayOmitTheUsername) {
  auto message = ValidatePostBody(R"({"content":"hi","room":"r"})", UsernameRule::kOptional);
  ASSERT_TRUE(message);
  EXPECT_EQ(*message, (NewMessage{"", "hi", "r"}));
  // Given, it is still checked (the service then compares it with the token).
  auto given = ValidatePostBody(R"({"username":"  ann ","content":"hi"})", UsernameRule::kOptional);
  ASSERT_TRUE(given);
  EXPECT_EQ(given->username, "ann");
  auto wrong = ValidatePostBody(R"({"username":1,"content":"hi"})", UsernameRule::kOptional);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code_name(), "field_wrong_type");
  auto missing = ValidatePostBody(R"({"content":"hi"})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "username");
}

TEST(MessageTest, EditBodyFollowsTheContentRules) {
  EXPECT_EQ(ValidateEditBody(R"({"content":" new\r\ntext "})").value(), "new\ntext");
  for (auto [body, code] : {std::pair{R"({})", "field_missing"},
                            {R"({"content":""})", "field_empty"},
                            {R"({"content":7})", "field_wrong_type"},
                            {R"({"content":"a","content":"b"})", "duplicate_field"},
                            {R"([])", "body_not_object"},
                            {R"({"content":"\u0007"})", "field_invalid_characters"}}) {
    auto result = ValidateEditBody(body);
    ASSERT_FALSE(result) << body;
    EXPECT_EQ(result.error().code_name(), code) << body;
  }
  EXPECT_EQ(ValidateEditBody("{\"content\":\"" + Repeat("x", 2001) + "\"}").error().code_name(),
            "field_too_long");
}

TEST(MessageTest, ExplicitRoomAndUnknownFieldsDropped) {
  auto message = ValidatePostBody(
      R"({"room":"dev_ops-2","extra":{"$gt":""},"username":"ann","content":"hi","_id":1,"createdAt":0})");
  ASSERT_TRUE(message);
  EXPECT_EQ(*message, (NewMessage{"ann", "hi", "dev_ops-2"}));
}

TEST(MessageTest, UnicodeCountsCodePoints) {
  // 64 emoji (256 bytes) fit the username limit; 65 do not.
  EXPECT_EQ(Outcome(Body(Repeat("\xf0\x9f\x98\x80", 64), "x")), "ok");
  EXPECT_EQ(Outcome(Body(Repeat("\xf0\x9f\x98\x80", 65), "x")), "field_too_long");
  // A combining mark counts as its own character.
  EXPECT_EQ(Outcome(Body(Repeat("e\xcc\x81", 32), "x")), "ok");
  EXPECT_EQ(Outcome(Body(Repeat("e\xcc\x81", 32) + "e", "x")), "field_too_long");
  auto message = ValidatePostBody(Body("Jos\xc3\xa9", "\\u00e9t\xc3\xa9 \\ud83d\\ude00"));
  ASSERT_TRUE(message);
  EXPECT_EQ(message->content, "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST(MessageTest, LengthBoundaries) {
  EXPECT_EQ(Outcome(Body(Repeat("a", 64), "x")), "ok");
  EXPECT_EQ(Outcome(Body(Repeat("a", 65), "x")), "field_too_long");
  EXPECT_EQ(Field(Body(Repeat("a", 65), "x")), "username");
  EXPECT_EQ(Outcome(Body("a", Repeat("b", 2000))), "ok");
  EXPECT_EQ(Outcome(Body("a", Repeat("b", 2001))), "field_too_long");
  EXPECT_EQ(Field(Body("a", Repeat("b", 2001))), "content");
  // Limits apply after trimming.
  EXPECT_EQ(Outcome(Body("  " + Repeat("a", 64) + "  ", "  " + Repeat("b", 2000) + "\\n")), "ok");
  // 2000 characters of 3 bytes each (6000 bytes) are fine.
  EXPECT_EQ(Outcome(Body("a", Repeat("\xe2\x82\xac", 2000))), "ok");
}

TEST(MessageTest, TrimsUnicodeWhitespace) {
  auto message =
      ValidatePostBody(Body("\\u00a0\\u3000 ann\\t\\ufeff", "\\u2028\\r\\n hi there \\u2029"));
  ASSERT_TRUE(message);
  EXPECT_EQ(message->username, "ann");
  EXPECT_EQ(message->content, "hi there");
}

TEST(MessageTest, EmptyAfterTrimming) {
  EXPECT_EQ(Outcome(Body("", "x")), "field_empty");
  EXPECT_EQ(Outcome(Body(" \\t\\u00a0\\u3000", "x")), "field_empty");
  EXPECT_EQ(Field(Body(" ", "x")), "username");
  EXPECT_EQ(Outcome(Body("a", "\\n\\r\\n  ")), "field_empty");
  EXPECT_EQ(Field(Body("a", "")), "content");
}

TEST(MessageTest, ContentNewlinesNormalised) {
  auto message = ValidatePostBody(Body("a", "one\\r\\ntwo\\rthree\\nfour\\n\\nfive"));
  ASSERT_TRUE(message);
  EXPECT_EQ(message->content, "one\ntwo\nthree\nfour\n\nfive");
}

TEST(MessageTest, ContentControlCharacters) {
  EXPECT_EQ(Outcome(Body("a", "x\\ty")), "field_invalid_characters");  // TAB inside
  EXPECT_EQ(Outcome(Body("a", "x\\u0000y")), "field_invalid_characters");
  EXPECT_EQ(Outcome(Body("a", "x\\u001by")), "field_invalid_characters");
  EXPECT_EQ(Outcome(Body("a", "x\\u007fy")), "field_invalid_characters");
  EXPECT_EQ(Outcome(Body("a", "x\\u0080y")), "field_invalid_characters");
  EXPECT_EQ(Outcome(Body("a", "x\\u009fy")), "field_invalid_characters");
  EXPECT_EQ(Outcome(Body("a", "x\xc2\x85y")), "field_invalid_characters");  // raw NEL
  EXPECT_EQ(Outcome(Body("a", "x\\u000by")), "field_invalid_characters");   // VT inside
  EXPECT_EQ(Field(Body("a", "x\\u0001y")), "content");
  // Line separators are newlines: allowed in content.
  EXPECT_EQ(Outcome(Body("a", "x\\u2028y")), "ok");
}

TEST(MessageTest, UsernameControlAndNewlines) {
  EXPECT_EQ(Outcome(Body("a\\nb", "x")), "field_invalid_characters");
  EXPECT_EQ(Outcome(Body("a\\rb", "x")), "field_invalid_characters");
  EXPECT_EQ(Outcome(Body("a\\tb", "x")), "field_invalid_characters");
  EXPECT_EQ(Outcome(Body("a\\u2028b", "x")), "field_invalid_characters");
  EXPECT_EQ(Outcome(Body("a\\u0000b", "x")), "field_invalid_characters");
  EXPECT_EQ(Outcome(Body("a\\u0085b", "x")), "field_invalid_characters");
  EXPECT_EQ(Field(Body("a\\u007fb", "x")), "username");
}

TEST(MessageTest, WrongTypesForEachField) {
  for (std::string_view value :
       {"null", "1", "1.5", "true", "false", "{}", R"({"$gt":""})", "[]", R"(["a"])"}) {
    const std::string v(value);
    EXPECT_EQ(Outcome(R"({"username":)" + v + R"(,"content":"x"})"), "field_wrong_type") << v;
    EXPECT_EQ(Field(R"({"username":)" + v + R"(,"content":"x"})"), "username");
    EXPECT_EQ(Outcome(R"({"username":"a","content":)" + v + "}"), "field_wrong_type") << v;
    EXPECT_EQ(Field(R"({"username":"a","content":)" + v + "}"), "content");
    EXPECT_EQ(Outcome(R"({"username":"a","content":"x","room":)" + v + "}"), "field_wrong_type")
        << v;
    EXPECT_EQ(Field(R"({"username":"a","content":"x","room":)" + v + "}"), "room");
  }
}

TEST(MessageTest, MissingFields) {
  EXPECT_EQ(Outcome(R"({"content":"x"})"), "field_missing");
  EXPECT_EQ(Field(R"({"content":"x"})"), "username");
  EXPECT_EQ(Outcome(R"({"username":"a"})"), "field_missing");
  EXPECT_EQ(Field(R"({"username":"a"})"), "content");
  EXPECT_EQ(Outcome("{}"), "field_missing");
  // Keys are case-sensitive.
  EXPECT_EQ(Outcome(R"({"Username":"a","content":"x"})"), "field_missing");
}

TEST(MessageTest, InvalidRoom) {
  for (std::string_view room : {"", "has space", "a.b", "\\u00e9", "a/b", "a\\u0000"}) {
    const std::string body =
        R"({"username":"a","content":"x","room":")" + std::string(room) + "\"}";
    EXPECT_EQ(Outcome(body), "invalid_room") << room;
    EXPECT_EQ(Field(body), "room");
  }
  EXPECT_EQ(Outcome(R"({"username":"a","content":"x","room":")" + Repeat("r", 64) + "\"}"), "ok");
  EXPECT_EQ(Outcome(R"({"username":"a","content":"x","room":")" + Repeat("r", 65) + "\"}"),
            "invalid_room");
  // Rooms are not trimmed.
  EXPECT_EQ(Outcome(R"({"username":"a","content":"x","room":" general"})"), "invalid_room");
}

TEST(MessageTest, NonObjectBodies) {
  for (std::string_view body : {"[]", R"(["username","a"])", "\"text\"", "42", "null", "true"}) {
    EXPECT_EQ(Outcome(body), "body_not_object") << body;
  }
}

TEST(MessageTest, InvalidJson) {
  for (std::string_view body :
       {"", "   ", "{", R"({"username":"a","content":"x")", R"({"username":"a","content":"x"}x)",
        R"({"username":"a","content":"x"}{})", R"({"username":"a",})", "username=a&content=x",
        R"({"username":"a","content":"x\ud800"})", R"({"username":"a","content":"\udc00"})",
        "{\"username\":\"a\",\"content\":\"raw\nnewline\"}"}) {
    EXPECT_EQ(Outcome(body), "invalid_json") << body;
  }
}

TEST(MessageTest, InvalidUtf8) {
  EXPECT_EQ(Outcome(Body("a", "over\xc0\xaflong")), "invalid_utf8");
  EXPECT_EQ(Outcome(Body("a", "surrogate\xed\xa0\x80")), "invalid_utf8");
  EXPECT_EQ(Outcome(Body("a", "trunc\xe2\x82")), "invalid_utf8");
  EXPECT_EQ(Outcome(Body("a\xff", "x")), "invalid_utf8");
  // Even in an ignored field.
  EXPECT_EQ(Outcome(R"({"username":"a","content":"x","z":")" + std::string("\xf8") + "\"}"),
            "invalid_utf8");
}

TEST(MessageTest, DuplicateKeys) {
  EXPECT_EQ(Outcome(R"({"username":"a","username":"b","content":"x"})"), "duplicate_field");
  EXPECT_EQ(Field(R"({"username":"a","username":"b","content":"x"})"), "username");
  EXPECT_EQ(Outcome(R"({"username":"a","content":"x","extra":1,"extra":2})"), "duplicate_field");
}

TEST(MessageTest, DeepNesting) {
  std::string deep =
      R"({"username":"a","content":"x","z":)" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_EQ(Outcome(deep), "too_deep");
}

TEST(MessageTest, BodySizeLimit) {
  const std::string padding(kMaxPostBodyBytes, ' ');
  EXPECT_EQ(Outcome(padding + "{}"), "payload_too_large");
  std::string fits = R"({"username":"a","content":"x"})";
  fits += std::string(kMaxPostBodyBytes - fits.size(), ' ');
  EXPECT_EQ(Outcome(fits), "ok");
}

TEST(MessageTest, ErrorsAreBadRequests) {
  auto result = ValidatePostBody("[]");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().status(), 400);
  EXPECT_FALSE(result.error().message.empty());
}

}  // namespace
}  // namespace chat
