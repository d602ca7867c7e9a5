#include "chat/core/message_json.h"

#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <memory>

namespace chat {
namespace {

constexpr char kOidHex[] = "6565f0b9c1a2b3c4d5e6f708";
constexpr int64_t kNow = 1795878761123;  // 2026-11-28T15:12:41.123Z

bson_oid_t Oid(const char* hex = kOidHex) {
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, hex);
  return oid;
}

std::string Json(const bson_t& doc) { return MessageJson(doc).value_or("<error>"); }

TEST(MessageJsonTest, BuildsTheStoredDocument) {
  const common::BsonPtr doc = BuildMessageDocument({"ann", "hi", "dev"}, Oid(), kNow);
  EXPECT_EQ(
      common::BsonToJson(*doc),
      R"({ "_id" : { "$oid" : "6565f0b9c1a2b3c4d5e6f708" }, "username" : "ann", )"
      R"("content" : "hi", "room" : "dev", "createdAt" : { "$date" : )"
      R"("2026-11-28T15:12:41.123Z" }, "updatedAt" : { "$date" : "2026-11-28T15:12:41.123Z" } })");
}

TEST(MessageJsonTest, MapsToJsonInKeyOrder) {
  const common::BsonPtr doc = BuildMessageDocument({"ann", "hi", "general"}, Oid(), kNow);
  EXPECT_EQ(Json(*doc),
            R"({"_id":"6565f0b9c1a2b3c4d5e6f708","username":"ann","content":"hi","room":"general",)"
            R"("createdAt":"2026-11-28T15:12:41.123Z","updatedAt":"2026-11-28T15:12:41.123Z"})");
}

TEST(MessageJsonTest, AuthorIdAndEditTimeWhenStored) {
  common::BsonPtr doc = BuildMessageDocument({"ann", "hi", "dev"}, Oid(), kNow, "user-7");
  BSON_APPEND_DATE_TIME(doc.get(), "editedAt", kNow + 1000);
  EXPECT_EQ(Json(*doc),
            R"({"_id":"6565f0b9c1a2b3c4d5e6f708","username":"ann","content":"hi","room":"dev",)"
            R"("createdAt":"2026-11-28T15:12:41.123Z","updatedAt":"2026-11-28T15:12:41.123Z",)"
            R"("userId":"user-7","editedAt":"2026-11-28T15:12:42.123Z"})");
  // Written by another tool with other types: left out, the message still shows.
  common::BsonPtr odd = BuildMessageDocument({"ann", "hi", "dev"}, Oid(), kNow);
  BSON_APPEND_INT32(odd.get(), "userId", 7);
  BSON_APPEND_UTF8(odd.get(), "editedAt", "yesterday");
  EXPECT_EQ(Json(*odd).find("userId"), std::string::npos);
  EXPECT_EQ(Json(*odd).find("editedAt"), std::string::npos);
}

TEST(MessageJsonTest, DeletedMessagesShowOnlyIdRoomAndTime) {
  common::BsonPtr doc = common::NewBson();
  bson_oid_t id = Oid();
  BSON_APPEND_OID(doc.get(), "_id", &id);
  BSON_APPEND_DATE_TIME(doc.get(), "deletedAt", kNow);
  EXPECT_TRUE(IsDeleted(*doc));
  EXPECT_EQ(DeletedMessageJson(*doc).value(),
            R"({"_id":"6565f0b9c1a2b3c4d5e6f708","room":"general",)"
            R"("deletedAt":"2026-11-28T15:12:41.123Z"})");
  const common::BsonPtr live = BuildMessageDocument({"ann", "hi", "dev"}, Oid(), kNow);
  EXPECT_FALSE(IsDeleted(*live));
  EXPECT_FALSE(DeletedMessageJson(*live));
}

TEST(MessageJsonTest, EscapesContentToOneSafeLine) {
  const std::string content =
      "line1\nline2\r\"q\" \\ \t\x01 \xe2\x80\xa8 \xe2\x80\xa9 caf\xc3\xa9 \xf0\x9f\x98\x80";
  const common::BsonPtr doc = BuildMessageDocument({"ann", content, "general"}, Oid(), kNow);
  const std::string json = Json(*doc);
  EXPECT_EQ(json.find_first_of(std::string_view("\r\n\0", 3)), std::string::npos);
  EXPECT_NE(json.find(R"("content":"line1\nline2\r\"q\" \\ \t\u0001 \u2028 \u2029 caf)"
                      "\xc3\xa9 \xf0\x9f\x98\x80\""),
            std::string::npos)
      << json;
  // cJSON, an independent parser, reads the content back unchanged.
  std::unique_ptr<cJSON, decltype(&cJSON_Delete)> parsed(cJSON_Parse(json.c_str()), cJSON_Delete);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(std::string(cJSON_GetObjectItemCaseSensitive(parsed.get(), "content")->valuestring),
            content);
}

TEST(MessageJsonTest, EmbeddedNulIsEscapedNotTruncated) {
  common::BsonPtr doc = common::NewBson();
  const bson_oid_t oid = Oid();
  BSON_APPEND_OID(doc.get(), "_id", &oid);
  BSON_APPEND_UTF8(doc.get(), "username", "ann");
  bson_append_utf8(doc.get(), "content", -1, "a\0b", 3);
  EXPECT_NE(Json(*doc).find(R"("content":"a\u0000b")"), std::string::npos);
}

TEST(MessageJsonTest, MissingRoomIsGeneralAndMissingDatesComeFromObjectId) {
  common::BsonPtr doc = common::NewBson();
  const bson_oid_t oid = Oid();  // 0x6565f0b9 = 1701179577 s = 2023-11-28T13:52:57Z
  BSON_APPEND_OID(doc.get(), "_id", &oid);
  BSON_APPEND_UTF8(doc.get(), "username", "ann");
  BSON_APPEND_UTF8(doc.get(), "content", "hi");
  EXPECT_EQ(Json(*doc),
            R"({"_id":"6565f0b9c1a2b3c4d5e6f708","username":"ann","content":"hi","room":"general",)"
            R"("createdAt":"2023-11-28T13:52:57.000Z","updatedAt":"2023-11-28T13:52:57.000Z"})");
}

TEST(MessageJsonTest, DatesPreEpochFarFutureAndWrongTypes) {
  common::BsonPtr doc = common::NewBson();
  const bson_oid_t oid = Oid();
  BSON_APPEND_OID(doc.get(), "_id", &oid);
  BSON_APPEND_UTF8(doc.get(), "username", "ann");
  BSON_APPEND_UTF8(doc.get(), "content", "hi");
  BSON_APPEND_UTF8(doc.get(), "room", "r");
  BSON_APPEND_DATE_TIME(doc.get(), "createdAt", -1);
  BSON_APPEND_DATE_TIME(doc.get(), "updatedAt", 253402300799999);
  EXPECT_NE(Json(*doc).find(
                R"("createdAt":"1969-12-31T23:59:59.999Z","updatedAt":"9999-12-31T23:59:59.999Z")"),
            std::string::npos);

  common::BsonPtr odd = common::NewBson();
  BSON_APPEND_OID(odd.get(), "_id", &oid);
  BSON_APPEND_UTF8(odd.get(), "username", "ann");
  BSON_APPEND_UTF8(odd.get(), "content", "hi");
  BSON_APPEND_UTF8(odd.get(), "createdAt", "yesterday");     // wrong type
  BSON_APPEND_DATE_TIME(odd.get(), "updatedAt", INT64_MAX);  // out of range
  EXPECT_NE(Json(*odd).find(
                R"("createdAt":"2023-11-28T13:52:57.000Z","updatedAt":"2023-11-28T13:52:57.000Z")"),
            std::string::npos)
      << Json(*odd);
}

TEST(MessageJsonTest, UnmappableDocumentsGiveReasons) {
  const bson_oid_t oid = Oid();
  auto make = [&](auto&& fill) {
    common::BsonPtr doc = common::NewBson();
    fill(doc.get());
    return doc;
  };
  const common::BsonPtr no_id = make([](bson_t* d) {
    BSON_APPEND_UTF8(d, "username", "a");
    BSON_APPEND_UTF8(d, "content", "b");
  });
  const common::BsonPtr string_id = make([](bson_t* d) {
    BSON_APPEND_UTF8(d, "_id", "abc");
    BSON_APPEND_UTF8(d, "username", "a");
    BSON_APPEND_UTF8(d, "content", "b");
  });
  const common::BsonPtr no_username = make([&](bson_t* d) {
    BSON_APPEND_OID(d, "_id", &oid);
    BSON_APPEND_UTF8(d, "content", "b");
  });
  const common::BsonPtr numeric_content = make([&](bson_t* d) {
    BSON_APPEND_OID(d, "_id", &oid);
    BSON_APPEND_UTF8(d, "username", "a");
    BSON_APPEND_INT32(d, "content", 5);
  });
  const common::BsonPtr null_username = make([&](bson_t* d) {
    BSON_APPEND_OID(d, "_id", &oid);
    BSON_APPEND_NULL(d, "username");
    BSON_APPEND_UTF8(d, "content", "b");
  });
  const common::BsonPtr array_room = make([&](bson_t* d) {
    BSON_APPEND_OID(d, "_id", &oid);
    BSON_APPEND_UTF8(d, "username", "a");
    BSON_APPEND_UTF8(d, "content", "b");
    bson_t child;
    BSON_APPEND_ARRAY_BEGIN(d, "room", &child);
    bson_append_array_end(d, &child);
  });
  const common::BsonPtr bad_utf8 = make([&](bson_t* d) {
    BSON_APPEND_OID(d, "_id", &oid);
    BSON_APPEND_UTF8(d, "username", "a");
    bson_append_utf8(d, "content", -1, "\xff\xfe", 2);
  });
  struct Case {
    const bson_t* doc;
    const char* reason;
  } cases[] = {{no_id.get(), "field _id is missing or not an ObjectId"},
               {string_id.get(), "field _id is missing or not an ObjectId"},
               {no_username.get(), "field username is missing"},
               {numeric_content.get(), "field content is not a string"},
               {null_username.get(), "field username is not a string"},
               {array_room.get(), "field room is not a string"},
               {bad_utf8.get(), "field content is not valid UTF-8"}};
  for (const Case& c : cases) {
    auto json = MessageJson(*c.doc);
    ASSERT_FALSE(json) << *json;
    EXPECT_EQ(json.error(), c.reason);
  }
}

TEST(MessageJsonTest, MessageId) {
  const common::BsonPtr doc = BuildMessageDocument({"a", "b", "general"}, Oid(), kNow);
  const auto id = MessageId(*doc);
  ASSERT_TRUE(id);
  const bson_oid_t expected = Oid();
  EXPECT_TRUE(bson_oid_equal(&*id, &expected));
  EXPECT_FALSE(MessageId(*common::NewBson()));
}

TEST(MessageJsonTest, HistoryJson) {
  EXPECT_EQ(HistoryJson({}, std::nullopt), R"({"messages":[],"next":null})");
  EXPECT_EQ(HistoryJson({R"({"a":1})", R"({"b":2})"}, Oid()),
            R"({"messages":[{"a":1},{"b":2}],"next":"6565f0b9c1a2b3c4d5e6f708"})");
}

}  // namespace
}  // namespace chat
