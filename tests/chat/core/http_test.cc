#include "chat/core/http.h"

#include <gtest/gtest.h>

namespace chat {
namespace {

TEST(HttpTest, ResponseHead) {
  EXPECT_EQ(FormatResponseHead(201, {{"Content-Type", "application/json"}}),
            "Status: 201 Created\r\nContent-Type: application/json\r\n\r\n");
  EXPECT_EQ(FormatResponseHead(200, {}), "Status: 200 OK\r\n\r\n");
  EXPECT_EQ(FormatResponseHead(599, {}), "Status: 599 Unknown\r\n\r\n");
}

TEST(HttpTest, ResponseHeadCannotBeSplit) {
  EXPECT_EQ(FormatResponseHead(200, {{"X-A", "v\r\nSet-Cookie: x"}}),
            "Status: 200 OK\r\nX-A: v  Set-Cookie: x\r\n\r\n");
}

TEST(HttpTest, ReasonPhrases) {
  EXPECT_EQ(ReasonPhrase(400), "Bad Request");
  EXPECT_EQ(ReasonPhrase(404), "Not Found");
  EXPECT_EQ(ReasonPhrase(405), "Method Not Allowed");
  EXPECT_EQ(ReasonPhrase(413), "Content Too Large");
  EXPECT_EQ(ReasonPhrase(415), "Unsupported Media Type");
  EXPECT_EQ(ReasonPhrase(503), "Service Unavailable");
}

TEST(HttpTest, MethodCheck) {
  EXPECT_FALSE(CheckMethod("GET", {"GET", "HEAD"}));
  EXPECT_FALSE(CheckMethod("HEAD", {"GET", "HEAD"}));
  EXPECT_FALSE(CheckMethod("POST", {"GET", "POST"}));
  for (std::optional<std::string_view> method :
       {std::optional<std::string_view>("DELETE"), std::optional<std::string_view>("get"),
        std::optional<std::string_view>(""), std::optional<std::string_view>()}) {
    const auto error = CheckMethod(method, {"GET", "HEAD"});
    ASSERT_TRUE(error);
    EXPECT_EQ(error->status(), 405);
    EXPECT_EQ(error->code_name(), "method_not_allowed");
    ASSERT_EQ(error->headers.size(), 1u);
    EXPECT_EQ(error->headers[0], (std::pair<std::string, std::string>{"Allow", "GET, HEAD"}));
  }
}

TEST(HttpTest, ErrorResponseCarriesExtraHeaders) {
  const auto error = CheckMethod("PUT", {"GET", "POST"});
  ASSERT_TRUE(error);
  EXPECT_EQ(
      ErrorResponse(*error),
      "Status: 405 Method Not Allowed\r\nContent-Type: application/json; charset=utf-8\r\n"
      "Cache-Control: no-store\r\nAllow: GET, POST\r\n\r\n"
      R"({"error":{"code":"method_not_allowed","message":"This resource only accepts GET, POST requests."}})");
  const std::string unavailable = ErrorResponse(DatabaseUnavailable(2));
  EXPECT_EQ(unavailable.rfind("Status: 503 Service Unavailable\r\n", 0), 0u);
  EXPECT_NE(unavailable.find("\r\nRetry-After: 2\r\n"), std::string::npos);
  EXPECT_NE(unavailable.find(R"("code":"database_unavailable")"), std::string::npos);
}

TEST(HttpTest, JsonContentTypeAccepted) {
  for (std::string_view type :
       {"application/json", "Application/JSON", "application/json; charset=utf-8",
        "application/json;charset=UTF-8", "application/json ; charset=\"utf-8\"",
        "application/json; charset=utf8; foo=bar", "  application/json  ", "application/json;"}) {
    EXPECT_FALSE(CheckJsonContentType(type)) << type;
  }
}

TEST(HttpTest, OtherContentTypesRefused) {
  for (std::optional<std::string_view> type :
       {std::optional<std::string_view>(), std::optional<std::string_view>(""),
        std::optional<std::string_view>("text/plain"),
        std::optional<std::string_view>("application/x-www-form-urlencoded"),
        std::optional<std::string_view>("application/jsonx"),
        std::optional<std::string_view>("application/json-patch+json"),
        std::optional<std::string_view>("application/json; charset=latin1"),
        std::optional<std::string_view>("multipart/form-data; boundary=x")}) {
    const auto error = CheckJsonContentType(type);
    ASSERT_TRUE(error) << type.value_or("<absent>");
    EXPECT_EQ(error->status(), 415);
    EXPECT_EQ(error->code_name(), "unsupported_media_type");
  }
}

TEST(HttpTest, ContentLength) {
  EXPECT_EQ(ParseContentLength(std::nullopt, 100).value(), std::nullopt);
  EXPECT_EQ(ParseContentLength("", 100).value(), std::nullopt);
  EXPECT_EQ(ParseContentLength("0", 100).value(), 0u);
  EXPECT_EQ(ParseContentLength("100", 100).value(), 100u);
  EXPECT_EQ(ParseContentLength("101", 100).error().status(), 413);
  EXPECT_EQ(ParseContentLength("99999999999999999999999999", 100).error().status(), 413);
  for (std::string_view bad : {"-1", "1.5", "abc", " 10", "10 ", "+10", "0x10"}) {
    const auto result = ParseContentLength(bad, 100);
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().code_name(), "invalid_content_length");
  }
}

}  // namespace
}  // namespace chat
