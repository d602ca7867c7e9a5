// Change streams: event shape, postBatchResumeToken, waiting getMores,
// filters, scopes, resuming, history loss, invalidation.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "change_stream_fixture.h"
#include "engine_test_support.h"

namespace devmongod::testing {
namespace {

TEST_F(ChangeStreamTest, InsertEventHasExactlyMongodsShape) {
  common::BsonPtr opened = Open("db", R"("c")");
  int64_t id = Int(*opened, "cursor.id");
  ASSERT_GT(id, 0);
  EXPECT_EQ(TypeOf(*opened, "cursor.id"), BSON_TYPE_INT64);
  EXPECT_EQ(Str(*opened, "cursor.ns"), "db.c");
  EXPECT_TRUE(Batch(*opened).empty());
  EXPECT_EQ(TokenOf(*opened, "cursor.postBatchResumeToken").size(), 36u);
  EXPECT_EQ(TypeOf(*opened, "operationTime"), BSON_TYPE_TIMESTAMP);

  Insert("db", "c", R"({"_id": 1, "room": "r1"})");
  common::BsonPtr r = Next("db", id, "c");
  std::vector<common::BsonPtr> events = Batch(*r);
  ASSERT_EQ(events.size(), 1u);
  const bson_t& e = *events[0];
  std::vector<std::string> keys;
  bson_iter_t iter;
  bson_iter_init(&iter, &e);
  while (bson_iter_next(&iter)) keys.emplace_back(bson_iter_key(&iter));
  EXPECT_EQ(keys, (std::vector<std::string>{"_id", "operationType", "clusterTime", "wallTime",
                                            "fullDocument", "ns", "documentKey"}));
  EXPECT_EQ(Str(e, "operationType"), "insert");
  EXPECT_EQ(TypeOf(e, "clusterTime"), BSON_TYPE_TIMESTAMP);
  EXPECT_EQ(TypeOf(e, "wallTime"), BSON_TYPE_DATE_TIME);
  EXPECT_EQ(Int(e, "wallTime"), wall_ms_);
  EXPECT_EQ(ToJson(*Doc(e, "fullDocument")),
            R"({ "_id" : { "$numberInt" : "1" }, "room" : "r1" })");
  EXPECT_EQ(ToJson(*Doc(e, "ns")), R"({ "db" : "db", "coll" : "c" })");
  EXPECT_EQ(ToJson(*Doc(e, "documentKey")), R"({ "_id" : { "$numberInt" : "1" } })");
  std::string token = TokenOf(e, "_id");
  EXPECT_EQ(token.size(), 36u);
  EXPECT_EQ(token.find_first_not_of("0123456789ABCDEF"), std::string::npos);
  EXPECT_EQ(TokenOf(*r, "cursor.postBatchResumeToken"), token);
  EXPECT_EQ(Int(*r, "cursor.id"), id);
}

TEST_F(ChangeStreamTest, WaitsThenAnswersWhenAnEventArrives) {
  int64_t id = Int(*Open("db", R"("c")"), "cursor.id");
  Outcome waiting = GetMore("db", id, "c");
  ASSERT_EQ(waiting.kind, Outcome::Kind::kWait);
  EXPECT_EQ(waiting.until_mono_ms, mono_ms_ + 500);
  const uint64_t version = engine_->ChangeVersion();
  Insert("db", "c", R"({"_id": 1})");
  EXPECT_NE(engine_->ChangeVersion(), version);
  mono_ms_ += 10;
  Outcome rerun = GetMore("db", id, "c");
  ASSERT_EQ(rerun.kind, Outcome::Kind::kReply);
  EXPECT_EQ(Ids(*rerun.reply), std::vector<int64_t>{1});
}

TEST_F(ChangeStreamTest, KillingACursorEndsItsParkedGetMoreWithCursorKilled) {
  // A chat worker ends a quiet stream early by killing its cursor from a
  // second connection; mongod interrupts the waiting getMore with 237, which
  // drivers do not resume (43 CursorNotFound they would).
  int64_t id = Int(*Open("db", R"("c")"), "cursor.id");
  ASSERT_EQ(GetMore("db", id, "c", false, 7).kind, Outcome::Kind::kWait);
  EXPECT_TRUE(engine_->TakeInterruptedWaits().empty());
  common::BsonPtr killed = Ok("db", R"({"killCursors": "c", "cursors": [)" + Long(id) + "]}", 8);
  EXPECT_EQ(engine_->TakeInterruptedWaits(), std::vector<uint64_t>{7});
  EXPECT_TRUE(engine_->TakeInterruptedWaits().empty());
  Outcome rerun = GetMore("db", id, "c", false, 7);
  ASSERT_EQ(rerun.kind, Outcome::Kind::kReply);
  EXPECT_EQ(Int(*rerun.reply, "code"), 237);
  EXPECT_EQ(Str(*rerun.reply, "codeName"), "CursorKilled");
  EXPECT_FALSE(Has(*rerun.reply, "errorLabels"));
  // Only that getMore is told so: a later one hears that the cursor is gone.
  EXPECT_EQ(
      Int(*Fails("db", R"({"getMore": )" + Long(id) + R"(, "collection": "c"})", 43, 7), "code"),
      43);
}

TEST_F(ChangeStreamTest, UnrelatedEventsDoNotPushTheDeadlineBack) {
  int64_t id = Int(*Open("db", R"("c")"), "cursor.id");
  Outcome waiting = GetMore("db", id, "c");
  ASSERT_EQ(waiting.kind, Outcome::Kind::kWait);
  const int64_t deadline = waiting.until_mono_ms;
  Ok("db", R"({"insert": "other", "documents": [{"_id": 1}]})", 2);
  mono_ms_ += 100;
  Outcome rerun = GetMore("db", id, "c");
  ASSERT_EQ(rerun.kind, Outcome::Kind::kWait);
  EXPECT_EQ(rerun.until_mono_ms, deadline);
}

TEST_F(ChangeStreamTest, DeadlineGivesEmptyBatchWithResumeToken) {
  common::BsonPtr opened = Open("db", R"("c")");
  int64_t id = Int(*opened, "cursor.id");
  ASSERT_EQ(GetMore("db", id, "c").kind, Outcome::Kind::kWait);
  Outcome timed_out = GetMore("db", id, "c", true);
  ASSERT_EQ(timed_out.kind, Outcome::Kind::kReply);
  EXPECT_EQ(Double(*timed_out.reply, "ok"), 1.0);
  EXPECT_TRUE(Batch(*timed_out.reply).empty());
  EXPECT_TRUE(Has(*timed_out.reply, "cursor.nextBatch"));
  EXPECT_EQ(Int(*timed_out.reply, "cursor.id"), id);
  EXPECT_EQ(TokenOf(*timed_out.reply, "cursor.postBatchResumeToken"),
            TokenOf(*opened, "cursor.postBatchResumeToken"));
  EXPECT_EQ(TypeOf(*timed_out.reply, "operationTime"), BSON_TYPE_TIMESTAMP);
}

TEST_F(ChangeStreamTest, MatchFiltersEventsButStillAdvancesTheResumeToken) {
  common::BsonPtr all = Open("db", R"("c")");
  int64_t all_id = Int(*all, "cursor.id");
  int64_t room_id =
      Int(*Open("db", R"("c")", "{}",
                R"(, {"$match": {"fullDocument.room": "r1", "operationType": "insert"}})"),
          "cursor.id");
  Insert("db", "c",
         R"({"_id": 1, "room": "r2"}, {"_id": 2, "room": "r1"}, {"_id": 3, "room": "r2"})");
  common::BsonPtr everything = Next("db", all_id, "c");
  std::vector<common::BsonPtr> events = Batch(*everything);
  ASSERT_EQ(events.size(), 3u);
  common::BsonPtr filtered = Next("db", room_id, "c");
  EXPECT_EQ(Ids(*filtered), std::vector<int64_t>{2});
  // Event 3 was examined (and filtered out): the PBRT is a high-water mark
  // past it, not the token of an event the stream never returned.
  const std::string mark = TokenOf(*filtered, "cursor.postBatchResumeToken");
  EXPECT_GT(mark, TokenOf(*events[2], "_id"));
  EXPECT_EQ(mark.substr(34), "02");

  // Nothing matching: still the high-water mark moves.
  Insert("db", "c", R"({"_id": 4, "room": "r3"})");
  EXPECT_EQ(Ids(*Next("db", all_id, "c")), std::vector<int64_t>{4});
  common::BsonPtr empty = Next("db", room_id, "c");
  EXPECT_TRUE(Batch(*empty).empty());
  EXPECT_NE(TokenOf(*empty, "cursor.postBatchResumeToken"), TokenOf(*events[2], "_id"));

  int64_t deletes =
      Int(*Open("db", R"("c")", "{}", R"(, {"$match": {"operationType": "delete"}})"), "cursor.id");
  Ok("db", R"({"delete": "c", "deletes": [{"q": {"_id": 2}, "limit": 1}]})");
  Insert("db", "c", R"({"_id": 5})");
  common::BsonPtr deleted = Next("db", deletes, "c");
  std::vector<common::BsonPtr> delete_events = Batch(*deleted);
  ASSERT_EQ(delete_events.size(), 1u);
  EXPECT_EQ(Str(*delete_events[0], "operationType"), "delete");
  EXPECT_EQ(Int(*delete_events[0], "documentKey._id"), 2);
  EXPECT_FALSE(Has(*delete_events[0], "fullDocument"));
}

TEST_F(ChangeStreamTest, DatabaseAndClusterStreams) {
  common::BsonPtr db_stream = Open("db", "1");
  EXPECT_EQ(Str(*db_stream, "cursor.ns"), "db.$cmd.aggregate");
  int64_t db_id = Int(*db_stream, "cursor.id");
  int64_t cluster_id = Int(*Open("admin", "1", R"({"allChangesForCluster": true})"), "cursor.id");
  Fails("admin", R"({"aggregate": 1, "cursor": {}, "pipeline": [{"$changeStream": {}}]})", 73);
  Insert("db", "a", R"({"_id": 1})");
  Insert("other", "a", R"({"_id": 2})");
  Insert("db", "b", R"({"_id": 3})");
  EXPECT_EQ(Ids(*Next("db", db_id, "$cmd.aggregate")), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(Ids(*Next("admin", cluster_id, "$cmd.aggregate")), (std::vector<int64_t>{1, 2, 3}));
}

TEST_F(ChangeStreamTest, ResumeAfterStartAfterAndStartAtOperationTimeAreExact) {
  int64_t id = Int(*Open("db", R"("c")"), "cursor.id");
  Insert("db", "c", R"({"_id": 1}, {"_id": 2}, {"_id": 3}, {"_id": 4}, {"_id": 5})");
  std::vector<common::BsonPtr> events = Batch(*Next("db", id, "c"));
  ASSERT_EQ(events.size(), 5u);
  const std::string token = ToJson(*Doc(*events[1], "_id"));

  for (const char* option : {"resumeAfter", "startAfter"}) {
    common::BsonPtr resumed =
        Open("db", R"("c")", std::string(R"({")") + option + R"(": )" + token + "}");
    EXPECT_EQ(Ids(*resumed), (std::vector<int64_t>{3, 4, 5})) << option;
  }
  bson_iter_t ts_iter;
  bson_iter_init(&ts_iter, events[2].get());
  ASSERT_TRUE(bson_iter_find(&ts_iter, "clusterTime"));
  uint32_t t, i;
  bson_iter_timestamp(&ts_iter, &t, &i);
  common::BsonPtr at = Open("db", R"("c")",
                            R"({"startAtOperationTime": {"$timestamp": {"t": )" +
                                std::to_string(t) + R"(, "i": )" + std::to_string(i) + "}}}");
  EXPECT_EQ(Ids(*at), (std::vector<int64_t>{3, 4, 5}));

  // Resuming from a PBRT continues with no gap and no duplicate.
  common::BsonPtr small = Ok("db", R"({"aggregate": "c", "cursor": {"batchSize": 2},
      "pipeline": [{"$changeStream": {"resumeAfter": )" +
                                       token + "}}]}");
  EXPECT_EQ(Ids(*small), (std::vector<int64_t>{3, 4}));
  const std::string pbrt = ToJson(*Doc(*small, "cursor.postBatchResumeToken"));
  EXPECT_EQ(Ids(*Open("db", R"("c")", R"({"resumeAfter": )" + pbrt + "}")),
            (std::vector<int64_t>{5}));
}

TEST_F(ChangeStreamTest, HistoryLostIsNonResumable) {
  options_.oplog_entries = 3;
  EngineTest::Open();
  common::BsonPtr opened = Open("db", R"("c")");
  int64_t id = Int(*opened, "cursor.id");
  const std::string start = ToJson(*Doc(*opened, "cursor.postBatchResumeToken"));
  Insert("db", "c", R"({"_id": 1}, {"_id": 2}, {"_id": 3}, {"_id": 4}, {"_id": 5})");
  common::BsonPtr lost =
      Fails("db",
            R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {"resumeAfter": )" +
                start + "}}]}",
            286);
  EXPECT_EQ(Str(*lost, "codeName"), "ChangeStreamHistoryLost");
  EXPECT_EQ(Str(*lost, "errorLabels.0"), "NonResumableChangeStreamError");
  // The open cursor fell behind too.
  Outcome behind = GetMore("db", id, "c");
  ASSERT_EQ(behind.kind, Outcome::Kind::kReply);
  EXPECT_EQ(Int(*behind.reply, "code"), 286);
  Fails("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream":
      {"startAtOperationTime": {"$timestamp": {"t": 1, "i": 1}}}}]})",
        286);
}

TEST_F(ChangeStreamTest, UnknownOrFutureTokensAreFatal) {
  Insert("db", "c", R"({"_id": 1})");
  // Sequence 99 does not exist yet.
  common::BsonPtr future =
      Fails("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {"resumeAfter":
          {"_data": "826553F10000000001000000000000006300"}}}]})",
            280);
  EXPECT_EQ(Str(*future, "codeName"), "ChangeStreamFatalError");
  EXPECT_EQ(Str(*future, "errorLabels.0"), "NonResumableChangeStreamError");
  // Sequence 1 exists, with another timestamp (a token from another instance).
  Fails("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {"resumeAfter":
          {"_data": "820000000100000001000000000000000100"}}}]})",
        280);
}

TEST_F(ChangeStreamTest, MalformedTokensAndOptionsAreRejected) {
  for (const char* bad :
       {R"("abc")", R"({"_data": 12})", R"({"_data": "XYZ"})",
        R"({"_data": "826553f10000000001000000000000000100"})", R"({})", R"({"_data": ""})"}) {
    Outcome outcome = Run(
        "db",
        std::string(
            R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {"resumeAfter": )") +
            bad + "}}]}");
    ASSERT_EQ(outcome.kind, Outcome::Kind::kReply);
    EXPECT_EQ(Double(*outcome.reply, "ok"), 0.0) << bad;
    int64_t code = Int(*outcome.reply, "code");
    EXPECT_TRUE(code == 9 || code == 2) << bad << " -> " << code;
  }
  Fails(
      "db",
      R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {"fullDocument": "sometimes"}}]})",
      2);
  Fails(
      "db",
      R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {}}, {"$sort": {"x": 1}}]})",
      20);
  Fails(
      "db",
      R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {"startAtOperationTime": 5}}]})",
      14);
  for (const char* mode : {"default", "updateLookup", "whenAvailable", "required"}) {
    Open("db", R"("c")", std::string(R"({"fullDocument": ")") + mode + "\"}");
  }
}

TEST_F(ChangeStreamTest, DropInvalidatesCollectionStreamsAndClosesTheCursor) {
  int64_t coll_id = Int(*Open("db", R"("c")"), "cursor.id");
  int64_t db_id = Int(*Open("db", "1"), "cursor.id");
  Insert("db", "c", R"({"_id": 1})");
  Ok("db", R"({"drop": "c"})");
  common::BsonPtr r = Next("db", coll_id, "c");
  std::vector<common::BsonPtr> events = Batch(*r);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(Str(*events[1], "operationType"), "drop");
  EXPECT_EQ(ToJson(*Doc(*events[1], "ns")), R"({ "db" : "db", "coll" : "c" })");
  EXPECT_FALSE(Has(*events[1], "documentKey"));
  EXPECT_FALSE(Has(*events[1], "fullDocument"));
  EXPECT_EQ(Str(*events[2], "operationType"), "invalidate");
  std::vector<std::string> keys;
  bson_iter_t iter;
  bson_iter_init(&iter, events[2].get());
  while (bson_iter_next(&iter)) keys.emplace_back(bson_iter_key(&iter));
  EXPECT_EQ(keys, (std::vector<std::string>{"_id", "operationType", "clusterTime", "wallTime"}));
  EXPECT_EQ(Int(*r, "cursor.id"), 0);
  EXPECT_EQ(TokenOf(*r, "cursor.postBatchResumeToken"), TokenOf(*events[2], "_id"));
  Outcome gone = GetMore("db", coll_id, "c");
  EXPECT_EQ(Int(*gone.reply, "code"), 43);

  // A database stream sees the drop but is not invalidated by it.
  common::BsonPtr db_events = Next("db", db_id, "$cmd.aggregate");
  ASSERT_EQ(Batch(*db_events).size(), 2u);
  EXPECT_EQ(Int(*db_events, "cursor.id"), db_id);

  const std::string invalidate = ToJson(*Doc(*events[2], "_id"));
  Fails("db",
        R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {"resumeAfter": )" +
            invalidate + "}}]}",
        260);
  common::BsonPtr after = Open("db", R"("c")", R"({"startAfter": )" + invalidate + "}");
  int64_t after_id = Int(*after, "cursor.id");
  EXPECT_NE(after_id, 0);
  EXPECT_TRUE(Batch(*after).empty());
  Insert("db", "c", R"({"_id": 9})");
  EXPECT_EQ(Ids(*Next("db", after_id, "c")), std::vector<int64_t>{9});
}

TEST_F(ChangeStreamTest, StartAtAFutureOperationTimeSkipsEarlierEvents) {
  const uint32_t future = static_cast<uint32_t>(wall_ms_ / 1000) + 10;
  common::BsonPtr opened = Open("db", R"("c")",
                                R"({"startAtOperationTime": {"$timestamp": {"t": )" +
                                    std::to_string(future) + R"(, "i": 1}}})");
  int64_t id = Int(*opened, "cursor.id");
  Insert("db", "c", R"({"_id": 1})");
  EXPECT_TRUE(Batch(*Next("db", id, "c")).empty());
  wall_ms_ += 20'000;
  Insert("db", "c", R"({"_id": 2})");
  EXPECT_EQ(Ids(*Next("db", id, "c")), std::vector<int64_t>{2});
}

TEST_F(ChangeStreamTest, ResumingAfterTheDropEventGivesTheInvalidate) {
  int64_t id = Int(*Open("db", R"("c")"), "cursor.id");
  Insert("db", "c", R"({"_id": 1})");
  Ok("db", R"({"drop": "c"})");
  std::vector<common::BsonPtr> events = Batch(*Next("db", id, "c"));
  ASSERT_EQ(events.size(), 3u);
  const std::string drop = ToJson(*Doc(*events[1], "_id"));
  common::BsonPtr resumed = Open("db", R"("c")", R"({"resumeAfter": )" + drop + "}");
  std::vector<common::BsonPtr> again = Batch(*resumed);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(Str(*again[0], "operationType"), "invalidate");
  EXPECT_EQ(Str(*again[0], "_id._data"), Str(*events[2], "_id._data"));
  EXPECT_EQ(Int(*resumed, "cursor.id"), 0);
}

// 2,000 parked getMores re-run after one new event must each look at that
// event only, however long the history is (counted, not timed).
TEST_F(ChangeStreamTest, ParkedStreamsReRunOnlyLookAtNewEvents) {
  std::string docs;
  for (int i = 0; i < 1000; ++i) docs += (i ? "," : "") + std::string("{}");
  for (int round = 0; round < 20; ++round) Insert("db", "busy", docs);  // 20,000 events
  constexpr int kStreams = 2000;
  std::vector<int64_t> ids;
  for (int i = 0; i < kStreams; ++i) {
    ids.push_back(
        Int(*Open("db", R"("room")", "{}", R"(, {"$match": {"fullDocument.room": "r1"}})"),
            "cursor.id"));
  }
  for (int i = 0; i < kStreams; ++i) {
    ASSERT_EQ(GetMore("db", ids[i], "room", false, 100 + i).kind, Outcome::Kind::kWait);
  }
  const int64_t examined_before =
      Int(*Ok("admin", R"({"serverStatus": 1})", 99), "metrics.devmongod.changeEventsExamined");
  Ok("db", R"({"insert": "room", "documents": [{"_id": 1, "room": "r1"}]})", 99);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kStreams; ++i) {
    Outcome outcome = GetMore("db", ids[i], "room", false, 100 + i);
    ASSERT_EQ(outcome.kind, Outcome::Kind::kReply);
    ASSERT_EQ(Ids(*outcome.reply), std::vector<int64_t>{1});
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const int64_t examined_after =
      Int(*Ok("admin", R"({"serverStatus": 1})", 99), "metrics.devmongod.changeEventsExamined");
  EXPECT_EQ(examined_after - examined_before, kStreams);
  std::printf("re-ran %d parked getMores after one insert in %.1f ms\n", kStreams,
              std::chrono::duration<double, std::milli>(elapsed).count());
}

}  // namespace
}  // namespace devmongod::testing
