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

// {_id: {_data: token}, operationType, fullDocument: doc}
BsonPtr ChangeEvent(const char* operation, const bson_t* full_document,
                    const char* token = kToken) {
  BsonPtr event = NewBson();
  bson_t id;
  BSON_APPEND_DOCUMENT_BEGIN(event.get(), "_id", &id);
  BSON_APPEND_UTF8(&id, "_data", token);
  bson_append_document_end(event.get(), &id);
  BSON_APPEND_UTF8(event.get(), "operationType", operation);
  if (full_document) BSON_APPEND_DOCUMENT(event.get(), "fullDocument", full_document);
  return event;
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
  const BsonPtr doc =
      BuildMessageDocument({"ann", "multi\nline \xe2\x80\xa8", "general"}, Oid(), 1795878761123);
  const BsonPtr event = ChangeEvent("insert", doc.get());
  std::string out;
  auto result = AppendChangeEvent(out, *event);
  ASSERT_TRUE(result) << result.error();
  EXPECT_TRUE(result->message_sent);
  EXPECT_EQ(out, std::string("id: ") + kToken + "\ndata: " + *MessageJson(*doc) + "\n\n");
  SseParser parser;
  const auto events = Parse(out, parser);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].last_event_id, kToken);
  EXPECT_EQ(events[0].data, *MessageJson(*doc));
}

TEST(StreamFramesTest, OtherEventsOnlyMoveTheId) {
  const BsonPtr doc = BuildMessageDocument({"ann", "x", "general"}, Oid(), 0);
  BsonPtr unmappable = NewBson();
  BSON_APPEND_UTF8(unmappable.get(), "username", "ann");
  const BsonPtr events[] = {ChangeEvent("update", doc.get()), ChangeEvent("insert", nullptr),
                            ChangeEvent("insert", unmappable.get())};
  const char* reasons[] = {"change event is not an insert", "insert event has no fullDocument",
                           "unmappable document: field _id is missing or not an ObjectId"};
  for (size_t i = 0; i < std::size(events); ++i) {
    std::string out;
    auto result = AppendChangeEvent(out, *events[i]);
    ASSERT_TRUE(result);
    EXPECT_FALSE(result->message_sent);
    EXPECT_EQ(result->skipped_reason, reasons[i]);
    EXPECT_EQ(out, std::string("id: ") + kToken + "\n\n");
    SseParser parser;
    EXPECT_TRUE(Parse(out, parser).empty());
    EXPECT_EQ(parser.last_event_id(), kToken);
  }
}

TEST(StreamFramesTest, BadTokensFailWithoutOutput) {
  const BsonPtr doc = BuildMessageDocument({"ann", "x", "general"}, Oid(), 0);
  const BsonPtr bad_token = ChangeEvent("insert", doc.get(), "not hex\n");
  BsonPtr no_id = NewBson();
  BSON_APPEND_UTF8(no_id.get(), "operationType", "insert");
  std::string out;
  EXPECT_FALSE(AppendChangeEvent(out, *bad_token));
  EXPECT_EQ(AppendChangeEvent(out, *no_id).error(), "change event has no _id document");
  EXPECT_EQ(out, "");
}

TEST(StreamFramesTest, IdOnlyFrameSkipsAnInsertAlreadySent) {
  const BsonPtr doc = BuildMessageDocument({"ann", "x", "general"}, Oid(), 0);
  const BsonPtr event = ChangeEvent("insert", doc.get());
  std::string out;
  ASSERT_TRUE(AppendChangeEventIdOnly(out, *event));
  EXPECT_EQ(out, std::string("id: ") + kToken + "\n\n");
  SseParser parser;
  EXPECT_TRUE(Parse(out, parser).empty());
  EXPECT_EQ(parser.last_event_id(), kToken);
  BsonPtr no_id = NewBson();
  std::string untouched;
  EXPECT_FALSE(AppendChangeEventIdOnly(untouched, *no_id));
  EXPECT_FALSE(AppendChangeEventIdOnly(untouched, *ChangeEvent("insert", doc.get(), "not hex\n")));
  EXPECT_EQ(untouched, "");
}

TEST(StreamFramesTest, BackfillHasNoId) {
  const BsonPtr doc = BuildMessageDocument({"ann", "x", "general"}, Oid(), 0);
  std::string out;
  ASSERT_TRUE(AppendBackfillMessage(out, doc ? *doc : *NewBson()));
  EXPECT_EQ(out, "data: " + *MessageJson(*doc) + "\n\n");
  EXPECT_FALSE(AppendBackfillMessage(out, *NewBson()));
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
