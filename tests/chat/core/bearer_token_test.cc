#include "chat/core/bearer_token.h"

#include <gtest/gtest.h>

namespace chat {
namespace {

constexpr std::string_view kCookie = "chat_token";

TEST(BearerTokenTest, NoSourceMeansNoToken) {
  auto found = FindBearerToken(std::nullopt, std::nullopt, kCookie, "room=a");
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->has_value());
  found = FindBearerToken(std::nullopt, "other=1; chat_token=", kCookie, "access_token=");
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->has_value());
}

TEST(BearerTokenTest, AuthorizationHeaderWinsOverCookieAndQuery) {
  auto found = FindBearerToken("Bearer h.h.h", "chat_token=c.c.c", kCookie, "access_token=q.q.q");
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->token, "h.h.h");
  EXPECT_EQ((*found)->source, TokenSource::kAuthorizationHeader);
  found = FindBearerToken("bearer   h.h.h  ", std::nullopt, kCookie, "");
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->token, "h.h.h");
}

TEST(BearerTokenTest, CookieWinsOverQuery) {
  auto found =
      FindBearerToken(std::nullopt, "a=1; chat_token=c.c.c; b=2", kCookie, "access_token=q.q.q");
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->token, "c.c.c");
  EXPECT_EQ((*found)->source, TokenSource::kCookie);
  EXPECT_EQ(TokenSourceName((*found)->source), "cookie");
}

TEST(BearerTokenTest, QueryIsTheLastResort) {
  auto found = FindBearerToken(std::nullopt, "a=1", kCookie, "room=x&access_token=q.q%2Eq");
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->token, "q.q.q");
  EXPECT_EQ((*found)->source, TokenSource::kQuery);
}

TEST(BearerTokenTest, MalformedAuthorizationIsRefusedNotSkipped) {
  for (std::string_view header :
       {"Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b", "h.h.h"}) {
    auto found = FindBearerToken(header, "chat_token=c.c.c", kCookie, "");
    ASSERT_FALSE(found.has_value()) << header;
    EXPECT_EQ(found.error().code, ErrorCode::kUnauthorized);
    EXPECT_EQ(found.error().status(), 401);
  }
}

TEST(BearerTokenTest, CookieParsing) {
  EXPECT_EQ(FindCookie("chat_token=abc", "chat_token"), "abc");
  EXPECT_EQ(FindCookie(" x=1 ;chat_token=\"abc\" ; y", "chat_token"), "abc");
  EXPECT_EQ(FindCookie("chat_token=first; chat_token=second", "chat_token"), "first");
  EXPECT_EQ(FindCookie("my_chat_token=abc", "chat_token"), std::nullopt);
  EXPECT_EQ(FindCookie("", "chat_token"), std::nullopt);
  EXPECT_EQ(FindCookie("chat_token", "chat_token"), std::nullopt);
}

}  // namespace
}  // namespace chat
