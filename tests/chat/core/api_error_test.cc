#include "chat/core/api_error.h"

#include <gtest/gtest.h>

#include <set>

namespace chat {
namespace {

TEST(ApiErrorTest, CodesHaveStableNamesAndStatuses) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kInvalidJson), "invalid_json");
  EXPECT_EQ(ErrorCodeStatus(ErrorCode::kInvalidJson), 400);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kFieldTooLong), "field_too_long");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNotFound), "not_found");
  EXPECT_EQ(ErrorCodeStatus(ErrorCode::kNotFound), 404);
  EXPECT_EQ(ErrorCodeStatus(ErrorCode::kMethodNotAllowed), 405);
  EXPECT_EQ(ErrorCodeStatus(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUnsupportedMediaType), "unsupported_media_type");
  EXPECT_EQ(ErrorCodeStatus(ErrorCode::kUnsupportedMediaType), 415);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUnauthorized), "unauthorized");
  EXPECT_EQ(ErrorCodeStatus(ErrorCode::kUnauthorized), 401);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kTokenExpired), "token_expired");
  EXPECT_EQ(ErrorCodeStatus(ErrorCode::kForbidden), 403);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kForbiddenRoom), "forbidden_room");
  EXPECT_EQ(ErrorCodeStatus(ErrorCode::kForbiddenRoom), 403);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kForbiddenUsername), "forbidden_username");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kAlreadyDeleted), "already_deleted");
  EXPECT_EQ(ErrorCodeStatus(ErrorCode::kAlreadyDeleted), 409);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kDatabaseUnavailable), "database_unavailable");
  EXPECT_EQ(ErrorCodeStatus(ErrorCode::kDatabaseUnavailable), 503);
}

TEST(ApiErrorTest, NamesAreUniqueSnakeCase) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(ErrorCode::kDatabaseUnavailable); ++i) {
    const std::string_view name = ErrorCodeName(static_cast<ErrorCode>(i));
    EXPECT_TRUE(names.insert(name).second) << name;
    for (char c : name)
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << name;
  }
}

TEST(ApiErrorTest, BodyWithAndWithoutField) {
  EXPECT_EQ(ErrorBody(MakeError(ErrorCode::kFieldEmpty, "Empty.", "username")),
            R"({"error":{"code":"field_empty","message":"Empty.","field":"username"}})");
  EXPECT_EQ(ErrorBody(MakeError(ErrorCode::kInvalidJson, "Bad.")),
            R"({"error":{"code":"invalid_json","message":"Bad."}})");
}

TEST(ApiErrorTest, BodyEscapesFieldNames) {
  // duplicate_field names a client-chosen key.
  const ApiError error = MakeError(ErrorCode::kDuplicateField, "Dup.", "a\"b\n\xe2\x80\xa8");
  EXPECT_EQ(ErrorBody(error),
            R"({"error":{"code":"duplicate_field","message":"Dup.","field":"a\"b\n\u2028"}})");
}

}  // namespace
}  // namespace chat
