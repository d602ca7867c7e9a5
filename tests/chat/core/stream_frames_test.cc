#include "chat/core/stream_frames.h"

#include <gtest/gtest.h>

#include "chat/core/message_json.h"
#include "chat/core/sse_parser.h"

namespace chat {
namespace {

constexpr char kToken[] = "8265F0B9C1000000012B022C0100296E5A1004";

bson_oid_t Oid() {
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "6565f0b9c1a2b3c4d5e6f708");
  return oid;
}

// {_id: {_data: token}, operationType, fullDocument: doc,
//  updateDescription: {updatedFields: {<updated_field>: 1}}}
common::BsonPtr ChangeEvent(const char* operation, const bson_t* full_document,
                            const char* token = kToken, const char* updated_field = nullptr) {
  common::BsonPtr event = common::NewBson();
  bson_t id;
  BSON_APPEND_DOCUMENT_BEGIN(event.get(), "_id", &id);
  BSON_APPEND_UTF8(&id, "_data", token);
  bson_append_document_end(event.get(), &id);
  BSON_APPEND_UTF8(event.get(), "operationType", operation);
  if (full_document) BSON_APPEND_DOCUMENT(event.get(), "fullDocument", full_document);
  if (updated_field) {
    bson_t description;
    bson_t fields;
    BSON_APPEND_DOCUMENT_BEGIN(event.get(), "updateDescription", &description);
    BSON_APPEND_DOCUMENT_BEGIN(&description, "updatedFields", &fields);
    BSON_APPEND_INT32(&fields, updated_field, 1);
    bson_append_document_end(&description, &fields);
    bson_append_document_end(event.get(), &description);
  }
  return event;
}

// The soft-deleted form of `doc`: no content, deletedAt set.
common::BsonPtr Deleted(const bson_t& doc) {
  common::BsonPtr out = common::NewBson();
  bson_copy_to_excluding_noinit(&doc, out.get(), "content", nullptr);
  BSON_APPEND_DATE_TIME(out.get(), "deletedAt", 1795878761123);
  return out;
}

std::vector<SseParsedEvent> Parse(const std::string& stream, SseParser& parser) {
  parser.Feed(stream);
  return parser.TakeEvents();
}

TEST(StreamFramesTest, StartAndKeepalive) {
  std::string out;
  AppendStreamStart(out, 2000);
  AppendKeepalive(out);
  EXPECT_EQ(out, "retry: 2000\n\n: keepalive\n\n");
}

TEST(StreamFramesTest, InsertBecomesIdAndData) {
  const common::BsonPtr doc =
      BuildMessageDocument({"ann", "multi\nline \xe2\x80\xa8", "general"}, Oid(), 1795878761123);
  const common::BsonPtr event = ChangeEvent("insert", doc.get());
  std::string out;
  auto result = AppendChangeEvent(out, *event);
  ASSERT_TRUE(result) << result.error();
  EXPECT_TRUE(result->message_sent());
  EXPECT_EQ(out, std::string("id: ") + kToken + "\ndata: " + *MessageJson(*doc) + "\n\n");
  SseParser parser;
  const auto events = Parse(out, parser);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].last_event_id, kToken);
  EXPECT_EQ(events[0].data, *MessageJson(*doc));
}

TEST(StreamFramesTest, OtherEventsOnlyMoveTheId) {
  const common::BsonPtr doc = BuildMessageDocument({"ann", "x", "general"}, Oid(), 0);
  common::BsonPtr unmappable = common::NewBson();
  BSON_APPEND_UTF8(unmappable.get(), "username", "ann");
  const common::BsonPtr deleted = Deleted(*doc);
  const common::BsonPtr events[] = {ChangeEvent("delete", nullptr), ChangeEvent("insert", nullptr),
                                    ChangeEvent("insert", unmappable.get()),
                                    ChangeEvent("update", nullptr),
                                    // A later change to a message deleted before.
                                    ChangeEvent("update", deleted.get(), kToken, "reaction")};
  const char* reasons[] = {"change event delete shows nothing", "insert event has no fullDocument",
                           "unmappable document: field _id is missing or not an ObjectId",
                           "update event has no fullDocument", "change to a deleted message"};
  for (size_t i = 0; i < std::size(events); ++i) {
    std::string out;
    auto result = AppendChangeEvent(out, *events[i]);
    ASSERT_TRUE(result);
    EXPECT_FALSE(result->message_sent());
    EXPECT_EQ(result->skipped_reason, reasons[i]);
    EXPECT_EQ(out, std::string("id: ") + kToken + "\n\n");
    SseParser parser;
    EXPECT_TRUE(Parse(out, parser).empty());
    EXPECT_EQ(parser.last_event_id(), kToken);
  }
}

TEST(StreamFramesTest, AnEditIsAnUpdateEventWithTheWholeMessage) {
  common::BsonPtr doc = BuildMessageDocument({"ann", "edited", "dev"}, Oid(), 1000, "u-1");
  BSON_APPEND_DATE_TIME(doc.get(), "editedAt", 2000);
  std::string out;
  auto result = AppendChangeEvent(out, *ChangeEvent("update", doc.get(), kToken, "content"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->sent, SentEvent::kUpdate);
  SseParser parser;
  auto events = Parse(out, parser);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "update");
  EXPECT_EQ(events[0].last_event_id, kToken);
  EXPECT_EQ(events[0].data, *MessageJson(*doc));
  EXPECT_NE(events[0].data.find(R"("editedAt":"1970-01-01T00:00:02.000Z")"), std::string::npos);
  EXPECT_NE(events[0].data.find(R"("userId":"u-1")"), std::string::npos);
}

TEST(StreamFramesTest, TheSoftDeleteIsADeleteEventWithoutTheContent) {
  const common::BsonPtr doc = BuildMessageDocument({"ann", "secret", "dev"}, Oid(), 1000);
  const common::BsonPtr deleted = Deleted(*doc);
  for (const common::BsonPtr& event : {ChangeEvent("update", deleted.get(), kToken, "deletedAt"),
                                       ChangeEvent("replace", deleted.get())}) {
    std::string out;
    auto result = AppendChangeEvent(out, *event);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->sent, SentEvent::kDelete);
    EXPECT_EQ(out.find("secret"), std::string::npos);
    SseParser parser;
    auto events = Parse(out, parser);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, "delete");
    EXPECT_EQ(events[0].data, R"({"_id":"6565f0b9c1a2b3c4d5e6f708","room":"dev",)"
                              R"("deletedAt":"2026-11-28T15:12:41.123Z"})");
  }
}

TEST(StreamFramesTest, BadTokensFailWithoutOutput) {
  const common::BsonPtr doc = BuildMessageDocument({"ann", "x", "general"}, Oid(), 0);
  const common::BsonPtr bad_token = ChangeEvent("insert", doc.get(), "not hex\n");
  common::BsonPtr no_id = common::NewBson();
  BSON_APPEND_UTF8(no_id.get(), "operationType", "insert");
  std::string out;
  EXPECT_FALSE(AppendChangeEvent(out, *bad_token));
  EXPECT_EQ(AppendChangeEvent(out, *no_id).error(), "change event has no _id document");
  EXPECT_EQ(out, "");
}

TEST(StreamFramesTest, IdOnlyFrameSkipsAnInsertAlreadySent) {
  const common::BsonPtr doc = BuildMessageDocument({"ann", "x", "general"}, Oid(), 0);
  const common::BsonPtr event = ChangeEvent("insert", doc.get());
  std::string out;
  ASSERT_TRUE(AppendChangeEventIdOnly(out, *event));
  EXPECT_EQ(out, std::string("id: ") + kToken + "\n\n");
  SseParser parser;
  EXPECT_TRUE(Parse(out, parser).empty());
  EXPECT_EQ(parser.last_event_id(), kToken);
  common::BsonPtr no_id = common::NewBson();
  std::string untouched;
  EXPECT_FALSE(AppendChangeEventIdOnly(untouched, *no_id));
  EXPECT_FALSE(AppendChangeEventIdOnly(untouched, *ChangeEvent("insert", doc.get(), "not hex\n")));
  EXPECT_EQ(untouched, "");
}

TEST(StreamFramesTest, BackfillHasNoId) {
  const common::BsonPtr doc = BuildMessageDocument({"ann", "x", "general"}, Oid(), 0);
  std::string out;
  ASSERT_TRUE(AppendBackfillMessage(out, doc ? *doc : *common::NewBson()));
  EXPECT_EQ(out, "data: " + *MessageJson(*doc) + "\n\n");
  EXPECT_FALSE(AppendBackfillMessage(out, *common::NewBson()));
}

TEST(StreamFramesTest, ResetAndErrorEvents) {
  std::string out;
  AppendResetEvent(out, "history_lost", "Reload \"now\"\n");
  AppendErrorEvent(out, MakeError(ErrorCode::kDatabaseUnavailable, "down"));
  SseParser parser;
  const auto events = Parse(out, parser);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "reset");
  EXPECT_EQ(events[0].data, R"({"reason":"history_lost","message":"Reload \"now\"\n"})");
  EXPECT_EQ(events[1].type, "error");
  EXPECT_EQ(events[1].data, R"({"error":{"code":"database_unavailable","message":"down"}})");
}

}  // namespace
}  // namespace chat
