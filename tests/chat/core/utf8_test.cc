#include "chat/core/utf8.h"

#include <gtest/gtest.h>

namespace chat {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));                // é
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));               // €
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));           // 😀
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));           // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string_view("a\0b", 3)));  // NUL is a valid code point
}

TEST(Utf8Test, RejectsOverlongForms) {
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));  // '/' in 2 bytes
  EXPECT_FALSE(IsValidUtf8("\xc1\xbf"));
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // '/' in 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xf0\x80\x80\xaf"));  // '/' in 4 bytes
  EXPECT_FALSE(IsValidUtf8("\xe0\x9f\xbf"));      // U+07FF in 3 bytes
}

TEST(Utf8Test, RejectsSurrogatesAndOutOfRange) {
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // U+D800
  EXPECT_FALSE(IsValidUtf8("\xed\xbf\xbf"));      // U+DFFF
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xfe"));
}

TEST(Utf8Test, RejectsTruncatedAndStrayBytes) {
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));
  EXPECT_FALSE(IsValidUtf8("a\xf0\x9f\x98"));
  EXPECT_FALSE(IsValidUtf8("\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc3\x28"));  // lead followed by a non-continuation
}

TEST(Utf8Test, DecodesCodePoints) {
  const auto euro = DecodeUtf8At("x\xe2\x82\xac", 1);
  ASSERT_TRUE(euro);
  EXPECT_EQ(euro->code_point, 0x20ACu);
  EXPECT_EQ(euro->length, 3u);
  EXPECT_FALSE(DecodeUtf8At("x", 1));
}

TEST(Utf8Test, CountsCodePointsNotBytes) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints("\xf0\x9f\x98\x80"), 1u);  // emoji = 1
  EXPECT_EQ(CountCodePoints("e\xcc\x81"), 2u);         // e + combining acute = 2
}

TEST(Utf8Test, AppendUtf8RoundTrips) {
  for (char32_t cp : {U'\0', U'A', U'\u00e9', U'\u20ac', U'\U0001F600', U'\U0010FFFF'}) {
    std::string text;
    AppendUtf8(text, cp);
    const auto decoded = DecodeUtf8At(text, 0);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->code_point, cp);
    EXPECT_EQ(decoded->length, text.size());
  }
}

TEST(Utf8Test, TrimsUnicodeSpaceAtBothEnds) {
  EXPECT_EQ(TrimUnicodeSpace("  a b  "), "a b");
  EXPECT_EQ(TrimUnicodeSpace("\t\n\v\f\r a \r\n"), "a");
  // U+00A0, U+2028, U+2029, U+3000, U+FEFF, U+200B, U+2003
  EXPECT_EQ(TrimUnicodeSpace("\xc2\xa0\xe2\x80\xa8\xe3\x80\x80x\xe2\x80\xa9\xef\xbb\xbf"
                             "\xe2\x80\x8b\xe2\x80\x83"),
            "x");
  EXPECT_EQ(TrimUnicodeSpace(" \xc2\xa0 "), "");
  EXPECT_EQ(TrimUnicodeSpace(""), "");
  // Inner space stays; a non-space multi-byte char at the end stays.
  EXPECT_EQ(TrimUnicodeSpace(" a\xc2\xa0\xc3\xa9 "), "a\xc2\xa0\xc3\xa9");
}

TEST(Utf8Test, ControlClassification) {
  EXPECT_TRUE(IsControl(0x00));
  EXPECT_TRUE(IsControl(0x09));
  EXPECT_TRUE(IsControl(0x1F));
  EXPECT_TRUE(IsControl(0x7F));
  EXPECT_TRUE(IsControl(0x80));
  EXPECT_TRUE(IsControl(0x9F));
  EXPECT_FALSE(IsControl(0x20));
  EXPECT_FALSE(IsControl(0xA0));
  EXPECT_FALSE(IsControl(0x2028));
}

TEST(Utf8Test, NormalizeNewlinesTurnsCrlfAndCrIntoLf) {
  EXPECT_EQ(NormalizeNewlines("a\r\nb\rc\nd"), "a\nb\nc\nd");
  EXPECT_EQ(NormalizeNewlines("\r\r\n\n"), "\n\n\n");
  EXPECT_EQ(NormalizeNewlines("\r"), "\n");
  EXPECT_EQ(NormalizeNewlines("plain \u2028 text"), "plain \u2028 text");
}

}  // namespace
}  // namespace chat
