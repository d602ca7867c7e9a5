// Where change streams start and resume: high-water-mark tokens (a new
// stream's first postBatchResumeToken), startAtOperationTime, startAfter and
// resumeAfter around invalidates, and tokens handed out before high-water
// marks existed.
#include <gtest/gtest.h>

#include "change_stream_fixture.h"
#include "devmongod/engine/resume_token.h"
#include "engine_test_support.h"

namespace devmongod::testing {
namespace {

class ResumePointTest : public ChangeStreamTest {
 protected:
  // Opens a stream on db.c from `option: token`.
  common::BsonPtr From(const std::string& option, const std::string& token_json) {
    return Open("db", R"("c")", R"({")" + option + R"(": )" + token_json + "}");
  }
  std::string ResumeCommand(const std::string& option, const std::string& token_json) {
    return R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {")" + option +
           R"(": )" + token_json + "}}]}";
  }
  static std::string Timestamp(uint32_t t, uint32_t i) {
    return R"({"$timestamp": {"t": )" + std::to_string(t) + R"(, "i": )" + std::to_string(i) + "}}";
  }
};

TEST_F(ResumePointTest, NewStreamTokenIsAHighWaterMarkAfterEveryEvent) {
  Insert("db", "c", R"({"_id": 1}, {"_id": 2})");
  int64_t reader = Int(*Open("db", "1"), "cursor.id");
  Insert("db", "c", R"({"_id": 3})");
  const std::string last_event = TokenOf(*Batch(*Next("db", reader, "$cmd.aggregate"))[0], "_id");

  common::BsonPtr opened = Open("db", R"("c")");
  const std::string mark = TokenOf(*opened, "cursor.postBatchResumeToken");
  EXPECT_GT(mark, last_event);  // sorts after every event so far
  EXPECT_EQ(mark.substr(34), "02");
  // It is a point in time, not an event: both options accept it and give
  // exactly the events after it.
  const std::string token = TokenJson(*opened, "cursor.postBatchResumeToken");
  for (const char* option : {"resumeAfter", "startAfter"}) {
    common::BsonPtr resumed = From(option, token);
    EXPECT_TRUE(Batch(*resumed).empty()) << option;
    EXPECT_EQ(TokenOf(*resumed, "cursor.postBatchResumeToken"), mark) << option;
  }
  Insert("db", "c", R"({"_id": 4})");
  EXPECT_EQ(Ids(*From("resumeAfter", token)), std::vector<int64_t>{4});
  EXPECT_EQ(Ids(*From("startAfter", token)), std::vector<int64_t>{4});
}

// The chat's messages collection dropped and created again: a stream opened
// after the drop hands out a token that resumes on the new collection
// instead of replaying the old drop's invalidate (which ended every resumed
// stream, and made reconnecting browsers loop).
TEST_F(ResumePointTest, TokenOfAStreamOpenedAfterADropDoesNotReplayTheInvalidate) {
  Insert("db", "c", R"({"_id": 1})");
  Ok("db", R"({"drop": "c"})");
  common::BsonPtr opened = Open("db", R"("c")");
  const std::string token = TokenJson(*opened, "cursor.postBatchResumeToken");
  Insert("db", "c", R"({"_id": 2})");
  common::BsonPtr resumed = From("resumeAfter", token);
  EXPECT_EQ(Ids(*resumed), std::vector<int64_t>{2});
  EXPECT_NE(Int(*resumed, "cursor.id"), 0);
  // And the first stream, open across the re-creation, simply continues.
  EXPECT_EQ(Ids(*Next("db", Int(*opened, "cursor.id"), "c")), std::vector<int64_t>{2});
}

TEST_F(ResumePointTest, EmptyBatchesMoveTheMarkPastEventsOutOfScopeOrFiltered) {
  common::BsonPtr opened =
      Open("db", R"("c")", "{}", R"(, {"$match": {"fullDocument.keep": true}})");
  int64_t id = Int(*opened, "cursor.id");
  const std::string first = TokenOf(*opened, "cursor.postBatchResumeToken");
  Insert("db", "other", R"({"_id": 1})");
  Insert("db", "c", R"({"_id": 2})");
  common::BsonPtr moved = Next("db", id, "c");
  EXPECT_TRUE(Batch(*moved).empty());
  const std::string second = TokenOf(*moved, "cursor.postBatchResumeToken");
  EXPECT_GT(second, first);
  EXPECT_EQ(second.substr(34), "02");
  // Resumed from the later mark with the same filter: nothing is replayed.
  Insert("db", "c", R"({"_id": 3, "keep": true})");
  common::BsonPtr resumed =
      Open("db", R"("c")",
           R"({"resumeAfter": )" + TokenJson(*moved, "cursor.postBatchResumeToken") + "}");
  EXPECT_EQ(Ids(*resumed), (std::vector<int64_t>{3}));
}

TEST_F(ResumePointTest, StartAtOperationTimeIncludesEventsAtThatTime) {
  int64_t reader = Int(*Open("db", "1"), "cursor.id");
  Insert("db", "c", R"({"_id": 1}, {"_id": 2}, {"_id": 3})");
  std::vector<common::BsonPtr> events = Batch(*Next("db", reader, "$cmd.aggregate"));
  ASSERT_EQ(events.size(), 3u);
  bson_iter_t iter;
  ASSERT_TRUE(bson_iter_init_find(&iter, events[1].get(), "clusterTime"));
  uint32_t t = 0, i = 0;
  bson_iter_timestamp(&iter, &t, &i);
  common::BsonPtr at = Open("db", R"("c")", R"({"startAtOperationTime": )" + Timestamp(t, i) + "}");
  EXPECT_EQ(Ids(*at), (std::vector<int64_t>{2, 3}));
  // One tick later: the event at t,i is excluded.
  common::BsonPtr later =
      Open("db", R"("c")", R"({"startAtOperationTime": )" + Timestamp(t, i + 1) + "}");
  EXPECT_EQ(Ids(*later), (std::vector<int64_t>{3}));
}

TEST_F(ResumePointTest, OlderThanTheKeptHistoryIsHistoryLost) {
  options_.oplog_entries = 2;
  EngineTest::Open();
  common::BsonPtr opened = Open("db", R"("c")");
  const std::string mark = TokenJson(*opened, "cursor.postBatchResumeToken");
  Insert("db", "c", R"({"_id": 1}, {"_id": 2}, {"_id": 3})");
  EXPECT_EQ(Str(*Fails("db", ResumeCommand("resumeAfter", mark), 286), "codeName"),
            "ChangeStreamHistoryLost");
  Fails("db", ResumeCommand("startAfter", mark), 286);
  Fails("db", ResumeCommand("startAtOperationTime", Timestamp(1, 1)), 286);
}

TEST_F(ResumePointTest, InvalidateTokenStartsAfterButDoesNotResumeAfter) {
  int64_t id = Int(*Open("db", R"("c")"), "cursor.id");
  Insert("db", "c", R"({"_id": 1})");
  Ok("db", R"({"drop": "c"})");
  Insert("db", "c", R"({"_id": 2})");
  std::vector<common::BsonPtr> events = Batch(*Next("db", id, "c"));
  ASSERT_EQ(events.size(), 3u);
  ASSERT_EQ(Str(*events[2], "operationType"), "invalidate");
  const std::string invalidate = TokenJson(*events[2], "_id");
  common::BsonPtr refused = Fails("db", ResumeCommand("resumeAfter", invalidate), 260);
  EXPECT_EQ(Str(*refused, "codeName"), "InvalidResumeToken");
  // startAfter continues on the collection created after the drop.
  common::BsonPtr after = From("startAfter", invalidate);
  EXPECT_EQ(Ids(*after), std::vector<int64_t>{2});
  EXPECT_NE(Int(*after, "cursor.id"), 0);
}

TEST_F(ResumePointTest, ResumeAfterAndStartAfterTogetherAreRefused) {
  common::BsonPtr opened = Open("db", R"("c")");
  const std::string token = TokenJson(*opened, "cursor.postBatchResumeToken");
  Fails("db",
        R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {"resumeAfter": )" +
            token + R"(, "startAfter": )" + token + "}}]}",
        50865);
  Fails("db",
        R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {"resumeAfter": )" +
            token + R"(, "startAtOperationTime": )" + Timestamp(1, 1) + "}}]}",
        40674);
}

// Before high-water marks, a stream's postBatchResumeToken was the event
// token of the last event it had examined. Browsers may still hold such a
// token as their Last-Event-ID: it must resume exactly after that event.
TEST_F(ResumePointTest, EventTokensOfExaminedEventsStillResumeExactly) {
  int64_t reader = Int(*Open("db", "1"), "cursor.id");
  Insert("db", "c", R"({"_id": 1}, {"_id": 2}, {"_id": 3})");
  std::vector<common::BsonPtr> events = Batch(*Next("db", reader, "$cmd.aggregate"));
  ASSERT_EQ(events.size(), 3u);
  const std::string old_style = TokenJson(*events[0], "_id");
  EXPECT_EQ(Ids(*From("resumeAfter", old_style)), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(Ids(*From("startAfter", old_style)), (std::vector<int64_t>{2, 3}));
}

}  // namespace
}  // namespace devmongod::testing
