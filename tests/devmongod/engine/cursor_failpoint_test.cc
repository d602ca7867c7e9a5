// Cursor lifetime (killCursors, idle reaping, pinning) and the failCommand
// fail point.
#include <gtest/gtest.h>

#include "engine_test_support.h"

namespace devmongod::testing {
namespace {

class CursorTest : public EngineTest {
 protected:
  int64_t OpenFindCursor() {
    Ok("db", R"({"insert": "c", "documents": [{"_id": 1}, {"_id": 2}, {"_id": 3}]})");
    return Int(*Ok("db", R"({"find": "c", "batchSize": 1})"), "cursor.id");
  }
  int64_t OpenCursors() {
    return Int(*Ok("admin", R"({"serverStatus": 1})"), "metrics.cursor.open.total");
  }
};

TEST_F(CursorTest, KillCursorsReportsKilledAndNotFound) {
  int64_t a = OpenFindCursor();
  int64_t b = Int(*Ok("db", R"({"find": "c", "batchSize": 1})"), "cursor.id");
  ASSERT_NE(a, b);
  EXPECT_EQ(OpenCursors(), 2);
  common::BsonPtr r =
      Ok("db", R"({"killCursors": "c", "cursors": [)" + Long(a) + ", " + Long(999) + "]}");
  EXPECT_EQ(Int(*r, "cursorsKilled.0"), a);
  EXPECT_FALSE(Has(*r, "cursorsKilled.1"));
  EXPECT_EQ(Int(*r, "cursorsNotFound.0"), 999);
  EXPECT_EQ(TypeOf(*r, "cursorsAlive"), BSON_TYPE_ARRAY);
  EXPECT_FALSE(Has(*r, "cursorsAlive.0"));
  EXPECT_EQ(TypeOf(*r, "cursorsUnknown"), BSON_TYPE_ARRAY);
  EXPECT_EQ(OpenCursors(), 1);
  Fails("db", R"({"getMore": )" + Long(a) + R"(, "collection": "c"})", 43);
}

// Database and cluster streams live on "<db>.$cmd.aggregate"; drivers kill
// them with killCursors: "$cmd.aggregate", which mongod accepts.
TEST_F(CursorTest, KillCursorsOnTheCommandNamespaceOfDatabaseAndClusterStreams) {
  int64_t db_stream =
      Int(*Ok("db", R"({"aggregate": 1, "cursor": {}, "pipeline": [{"$changeStream": {}}]})"),
          "cursor.id");
  int64_t cluster_stream = Int(*Ok("admin", R"({"aggregate": 1, "cursor": {},
      "pipeline": [{"$changeStream": {"allChangesForCluster": true}}]})"),
                               "cursor.id");
  EXPECT_EQ(OpenCursors(), 2);
  common::BsonPtr r =
      Ok("db", R"({"killCursors": "$cmd.aggregate", "cursors": [)" + Long(db_stream) + "]}");
  EXPECT_EQ(Int(*r, "cursorsKilled.0"), db_stream);
  Ok("admin", R"({"killCursors": "$cmd.aggregate", "cursors": [)" + Long(cluster_stream) + "]}");
  EXPECT_EQ(OpenCursors(), 0);
  Fails("db", R"({"killCursors": "$cmd", "cursors": []})", 73);
  Fails("db", R"({"killCursors": "a$b", "cursors": []})", 73);
}

TEST_F(CursorTest, IdleCursorsAreReapedButNotWhileUsed) {
  options_.cursor_timeout_ms = 1000;
  Open();
  int64_t id = OpenFindCursor();
  mono_ms_ += 800;
  engine_->OnTick(mono_ms_);
  Ok("db", R"({"getMore": )" + Long(id) + R"(, "collection": "c", "batchSize": 1})");
  mono_ms_ += 800;  // 1600 ms after opening, 800 after the last use
  engine_->OnTick(mono_ms_);
  EXPECT_EQ(OpenCursors(), 1);
  mono_ms_ += 1500;
  engine_->OnTick(mono_ms_);
  EXPECT_EQ(OpenCursors(), 0);
  EXPECT_EQ(Int(*Ok("admin", R"({"serverStatus": 1})"), "metrics.cursor.timedOut"), 1);
  Fails("db", R"({"getMore": )" + Long(id) + R"(, "collection": "c"})", 43);
}

TEST_F(CursorTest, PinnedChangeStreamIsNotIdleUntilItsConnectionCloses) {
  options_.cursor_timeout_ms = 1000;
  Open();
  engine_->OnConnectionOpened(4);
  int64_t id =
      Int(*Ok("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {}}]})", 4),
          "cursor.id");
  Outcome parked =
      Run("db", R"({"getMore": )" + Long(id) + R"(, "collection": "c", "maxTimeMS": 60000})", 4);
  ASSERT_EQ(parked.kind, Outcome::Kind::kWait);
  mono_ms_ += 5000;
  engine_->OnTick(mono_ms_);
  common::BsonPtr status = Ok("admin", R"({"serverStatus": 1})");
  EXPECT_EQ(Int(*status, "metrics.cursor.open.total"), 1);
  EXPECT_EQ(Int(*status, "metrics.cursor.open.pinned"), 1);
  engine_->OnConnectionClosed(4);
  mono_ms_ += 500;
  engine_->OnTick(mono_ms_);
  EXPECT_EQ(OpenCursors(), 1);  // the client may come back on another connection
  mono_ms_ += 1000;
  engine_->OnTick(mono_ms_);
  EXPECT_EQ(OpenCursors(), 0);
}

TEST_F(CursorTest, ServerStatusCountsConnectionsAndOperations) {
  engine_->OnConnectionOpened(1);
  engine_->OnConnectionOpened(2);
  engine_->OnConnectionClosed(2);
  Ok("db", R"({"insert": "c", "documents": [{"_id": 1}, {"_id": 2}]})");
  Ok("db", R"({"find": "c"})");
  common::BsonPtr r = Ok("admin", R"({"serverStatus": 1})");
  EXPECT_EQ(Int(*r, "connections.current"), 1);
  EXPECT_EQ(Int(*r, "connections.totalCreated"), 2);
  EXPECT_EQ(Int(*r, "opcounters.insert"), 2);
  EXPECT_EQ(Int(*r, "opcounters.query"), 1);
  EXPECT_EQ(Str(*r, "process"), "devmongod");
  EXPECT_EQ(TypeOf(*r, "uptime"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(TypeOf(*r, "localTime"), BSON_TYPE_DATE_TIME);
}

using FailPointTest = EngineTest;

TEST_F(FailPointTest, OnlyOnAdmin) {
  common::BsonPtr r =
      Fails("db", R"({"configureFailPoint": "failCommand", "mode": "alwaysOn"})", 13);
  EXPECT_EQ(Str(*r, "errmsg"), "configureFailPoint may only be run against the admin database.");
  Fails("admin", R"({"configureFailPoint": "noSuchPoint", "mode": "alwaysOn"})", 2);
  Fails("admin", R"({"configureFailPoint": "failCommand", "mode": "sometimes"})", 2);
}

TEST_F(FailPointTest, TimesCountsDownAndCountReportsFirings) {
  common::BsonPtr r = Ok("admin", R"({"configureFailPoint": "failCommand", "mode": {"times": 2},
      "data": {"failCommands": ["find"], "errorCode": 91}})");
  EXPECT_EQ(Int(*r, "count"), 0);
  Ok("db", R"({"count": "c"})");  // not listed
  common::BsonPtr failed = Fails("db", R"({"find": "c"})", 91);
  EXPECT_EQ(Str(*failed, "codeName"), "ShutdownInProgress");
  EXPECT_EQ(Str(*failed, "errmsg"), "Failing command via 'failCommand' failpoint");
  EXPECT_FALSE(Has(*failed, "errorLabels"));
  Fails("db", R"({"find": "c"})", 91);
  Ok("db", R"({"find": "c"})");
  r = Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "off"})");
  EXPECT_EQ(Int(*r, "count"), 2);
}

// Labels mongod adds by itself (4.4+), which drivers act on.
TEST_F(FailPointTest, RetryableWritesAndResumableStreamsAreLabelled) {
  const std::string session = R"("lsid": {"id": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAA==",
      "subType": "04"}}}, "txnNumber": {"$numberLong": "1"})";
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "alwaysOn",
      "data": {"failCommands": ["insert", "getMore", "update"], "errorCode": 91}})");
  common::BsonPtr retryable =
      Fails("db", R"({"insert": "c", "documents": [{}], )" + session + "}", 91);
  EXPECT_EQ(Str(*retryable, "errorLabels.0"), "RetryableWriteError");
  EXPECT_FALSE(Has(*retryable, "errorLabels.1"));
  // Not a retryable write (no txnNumber): no label.
  EXPECT_FALSE(Has(*Fails("db", R"({"insert": "c", "documents": [{}]})", 91), "errorLabels"));
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "off"})");
  int64_t stream = Int(*Ok("db", R"({"aggregate": "c", "cursor": {},
      "pipeline": [{"$changeStream": {}}]})"),
                       "cursor.id");
  int64_t find = Int(*Ok("db", R"({"find": "c", "batchSize": 0})"), "cursor.id");
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "alwaysOn",
      "data": {"failCommands": ["getMore"], "errorCode": 91}})");
  common::BsonPtr resumable =
      Fails("db", R"({"getMore": )" + Long(stream) + R"(, "collection": "c"})", 91);
  EXPECT_EQ(Str(*resumable, "errorLabels.0"), "ResumableChangeStreamError");
  // A find cursor's getMore is not a change stream's.
  EXPECT_FALSE(Has(*Fails("db", R"({"getMore": )" + Long(find) + R"(, "collection": "c"})", 91),
                   "errorLabels"));
  // A code the stream may not resume after gets none; given errorLabels win.
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "alwaysOn",
      "data": {"failCommands": ["getMore"], "errorCode": 280}})");
  EXPECT_FALSE(Has(*Fails("db", R"({"getMore": )" + Long(stream) + R"(, "collection": "c"})", 280),
                   "errorLabels"));
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "alwaysOn",
      "data": {"failCommands": ["getMore"], "errorCode": 91, "errorLabels": []}})");
  EXPECT_FALSE(Has(*Fails("db", R"({"getMore": )" + Long(stream) + R"(, "collection": "c"})", 91),
                   "errorLabels"));
}

TEST_F(FailPointTest, WriteConcernErrorLetsTheWriteHappenAndSaysSo) {
  const std::string session = R"("lsid": {"id": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAQ==",
      "subType": "04"}}}, "txnNumber": {"$numberLong": "7"})";
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": {"times": 2},
      "data": {"failCommands": ["insert"],
               "writeConcernError": {"code": 91, "errmsg": "Replication is being shut down"}}})");
  common::BsonPtr r = Ok("db", R"({"insert": "w", "documents": [{"_id": 1}], )" + session + "}");
  EXPECT_EQ(Int(*r, "n"), 1);
  EXPECT_EQ(Int(*r, "writeConcernError.code"), 91);
  EXPECT_EQ(Str(*r, "writeConcernError.errmsg"), "Replication is being shut down");
  EXPECT_EQ(Str(*r, "errorLabels.0"), "RetryableWriteError");
  r = Ok("db", R"({"insert": "w", "documents": [{"_id": 2}]})");
  EXPECT_EQ(Int(*r, "writeConcernError.code"), 91);
  EXPECT_FALSE(Has(*r, "errorLabels"));
  EXPECT_EQ(Int(*Ok("db", R"({"count": "w"})"), "n"), 2);
  Fails("admin", R"({"configureFailPoint": "failCommand", "mode": "alwaysOn",
      "data": {"failCommands": ["insert"], "writeConcernError": {"code": "x"}}})",
        2);
}

TEST_F(FailPointTest, FailGetMoreAfterCursorCheckoutFailsAndTakesTheCursor) {
  int64_t stream = Int(*Ok("db", R"({"aggregate": "c", "cursor": {},
      "pipeline": [{"$changeStream": {}}]})"),
                       "cursor.id");
  Ok("admin", R"({"configureFailPoint": "failGetMoreAfterCursorCheckout", "mode": {"times": 1},
      "data": {"errorCode": 91}})");
  common::BsonPtr failed =
      Fails("db", R"({"getMore": )" + Long(stream) + R"(, "collection": "c"})", 91);
  EXPECT_EQ(Str(*failed, "errorLabels.0"), "ResumableChangeStreamError");
  Fails("db", R"({"getMore": )" + Long(stream) + R"(, "collection": "c"})", 43);
  Fails("admin", R"({"configureFailPoint": "noSuchFailPoint", "mode": "alwaysOn"})", 2);
}

TEST_F(FailPointTest, OnPrimaryTransactionalWriteLosesTheReplyOrFailsBeforeTheWrite) {
  const std::string session = R"("lsid": {"id": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAg==",
      "subType": "04"}}}, "txnNumber": {"$numberLong": "3"})";
  const std::string insert = R"({"insert": "t", "documents": [{"_id": 1}], )" + session + "}";
  Ok("admin", R"({"configureFailPoint": "onPrimaryTransactionalWrite", "mode": {"times": 1},
      "data": {"closeConnection": true}})");
  EXPECT_EQ(Run("db", insert).kind, Outcome::Kind::kClose);
  // The retry gets the remembered answer; the document is there once.
  EXPECT_EQ(Int(*Ok("db", insert), "n"), 1);
  EXPECT_EQ(Int(*Ok("db", R"({"count": "t"})"), "n"), 1);
  Ok("admin", R"({"configureFailPoint": "onPrimaryTransactionalWrite", "mode": {"times": 1},
      "data": {"failBeforeCommitExceptionCode": 91}})");
  const std::string second = R"({"insert": "t", "documents": [{"_id": 2}], )" +
                             std::string(session).replace(session.find("\"3\""), 3, "\"4\"") + "}";
  common::BsonPtr refused = Fails("db", second, 91);
  EXPECT_EQ(Str(*refused, "errorLabels.0"), "RetryableWriteError");
  EXPECT_EQ(Int(*Ok("db", R"({"count": "t"})"), "n"), 1);
  // Not a retryable write (no txnNumber): the fail point does not apply.
  Ok("admin", R"({"configureFailPoint": "onPrimaryTransactionalWrite", "mode": "alwaysOn",
      "data": {"closeConnection": true}})");
  EXPECT_EQ(Int(*Ok("db", R"({"insert": "t", "documents": [{"_id": 5}]})"), "n"), 1);
}

TEST_F(FailPointTest, SkipThenAlwaysOnThenOff) {
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": {"skip": 1},
      "data": {"failCommands": ["insert"], "errorCode": 1234, "errorLabels": ["RetryableWriteError"]}})");
  Ok("db", R"({"insert": "c", "documents": [{}]})");
  common::BsonPtr r = Fails("db", R"({"insert": "c", "documents": [{}]})", 1234);
  EXPECT_EQ(Str(*r, "codeName"), "Location1234");
  EXPECT_EQ(Str(*r, "errorLabels.0"), "RetryableWriteError");
  Fails("db", R"({"insert": "c", "documents": [{}]})", 1234);
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "off"})");
  Ok("db", R"({"insert": "c", "documents": [{}]})");
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "alwaysOn",
      "data": {"failCommands": ["ping", "configureFailPoint"], "errorCode": 2}})");
  for (int i = 0; i < 3; ++i) Fails("admin", R"({"ping": 1})", 2);
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "off"})");  // never fails itself
  Ok("admin", R"({"ping": 1})");
}

TEST_F(FailPointTest, WithoutAnActionItNeverFires) {
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "alwaysOn",
      "data": {"failCommands": ["ping"]}})");
  Ok("admin", R"({"ping": 1})");
  EXPECT_EQ(Int(*Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "off"})"), "count"),
            0);
}

TEST_F(FailPointTest, CloseConnection) {
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": {"times": 1},
      "data": {"failCommands": ["find"], "closeConnection": true}})");
  EXPECT_EQ(Run("db", R"({"find": "c"})").kind, Outcome::Kind::kClose);
  Ok("db", R"({"find": "c"})");
}

TEST_F(FailPointTest, BlockConnectionDelaysThenRunsNormally) {
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": {"times": 1},
      "data": {"failCommands": ["insert"], "blockConnection": true, "blockTimeMS": 300}})");
  Outcome delayed = Run("db", R"({"insert": "c", "documents": [{"_id": 1}]})", 3);
  ASSERT_EQ(delayed.kind, Outcome::Kind::kDelay);
  EXPECT_EQ(delayed.until_mono_ms, mono_ms_ + 300);
  EXPECT_EQ(Int(*Ok("db", R"({"count": "c"})"), "n"), 0);  // not executed yet
  mono_ms_ += 300;
  Outcome done = Run("db", R"({"insert": "c", "documents": [{"_id": 1}]})", 3, false, true);
  ASSERT_EQ(done.kind, Outcome::Kind::kReply);
  EXPECT_EQ(Int(*done.reply, "n"), 1);
}

TEST_F(FailPointTest, BlockThenError) {
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "alwaysOn",
      "data": {"failCommands": ["find"], "blockConnection": true, "blockTimeMS": 50, "errorCode": 89}})");
  ASSERT_EQ(Run("db", R"({"find": "c"})", 3).kind, Outcome::Kind::kDelay);
  Outcome failed = Run("db", R"({"find": "c"})", 3, false, true);
  ASSERT_EQ(failed.kind, Outcome::Kind::kReply);
  EXPECT_EQ(Int(*failed.reply, "code"), 89);
}

TEST_F(FailPointTest, AppNameFilter) {
  Ok("admin", R"({"isMaster": 1, "client": {"application": {"name": "app1"}}})", 5);
  Ok("admin", R"({"isMaster": 1, "client": {"application": {"name": "app2"}}})", 6);
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "alwaysOn",
      "data": {"failCommands": ["find"], "errorCode": 2, "appName": "app1"}})");
  Fails("db", R"({"find": "c"})", 2, 5);
  Ok("db", R"({"find": "c"})", 6);
  Ok("db", R"({"find": "c"})", 7);
}

}  // namespace
}  // namespace devmongod::testing
