// distinct, dropIndexes, dbStats, collStats, noCursorTimeout, and the
// options devmongod refuses instead of ignoring (views, capped collections,
// validation, collations, TTL and partial indexes, transactions, ...).
#include <gtest/gtest.h>

#include "engine_test_support.h"

namespace devmongod::testing {
namespace {

class CatalogStatsTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    Ok("db", R"({"insert": "c", "documents": [
        {"_id": 1, "room": "a", "tags": ["x", "y"], "n": 1},
        {"_id": 2, "room": "b", "tags": ["y", ["z"]], "n": 1.0},
        {"_id": 3, "room": "a", "n": {"$numberLong": "2"}},
        {"_id": 4, "sub": [{"k": 1}, {"k": 2}, {"j": 0}]}]})");
  }
  std::string Values(const std::string& command) {
    common::BsonPtr reply = Ok("db", command);
    return ToJson(*Doc(*reply, "values"));
  }
};

TEST_F(CatalogStatsTest, DistinctUnwindsArraysAndComparesByValue) {
  EXPECT_EQ(Values(R"({"distinct": "c", "key": "room"})"), R"({ "0" : "a", "1" : "b" })");
  EXPECT_EQ(Values(R"({"distinct": "c", "key": "tags"})"),
            R"({ "0" : "x", "1" : "y", "2" : [ "z" ] })");
  EXPECT_EQ(Values(R"({"distinct": "c", "key": "n"})"),
            R"({ "0" : { "$numberInt" : "1" }, "1" : { "$numberLong" : "2" } })");
  EXPECT_EQ(Values(R"({"distinct": "c", "key": "sub.k"})"),
            R"({ "0" : { "$numberInt" : "1" }, "1" : { "$numberInt" : "2" } })");
  EXPECT_EQ(Values(R"({"distinct": "c", "key": "_id", "query": {"room": "a"}})"),
            R"({ "0" : { "$numberInt" : "1" }, "1" : { "$numberInt" : "3" } })");
  EXPECT_EQ(Values(R"({"distinct": "nothing", "key": "a"})"), "{ }");
  Fails("db", R"({"distinct": "c"})", 9);
  Fails("db", R"({"distinct": "c", "key": "a", "query": {"a": {"$where": 1}}})", 2);
}

TEST_F(CatalogStatsTest, DropIndexesByNameKeyListAndStar) {
  Ok("db", R"({"createIndexes": "c", "indexes": [{"key": {"room": 1}, "name": "room_1"},
      {"key": {"n": -1}, "name": "n_-1"}, {"key": {"tags": 1}, "name": "tags_1"}]})");
  EXPECT_EQ(Int(*Ok("db", R"({"dropIndexes": "c", "index": "room_1"})"), "nIndexesWas"), 4);
  Ok("db", R"({"dropIndexes": "c", "index": {"n": -1}})");
  Fails("db", R"({"dropIndexes": "c", "index": "room_1"})", 27);
  Fails("db", R"({"dropIndexes": "c", "index": "_id_"})", 72);
  Fails("db", R"({"dropIndexes": "nothing", "index": "*"})", 26);
  Ok("db", R"({"dropIndexes": "c", "index": "*"})");
  common::BsonPtr listed = Ok("db", R"({"listIndexes": "c"})");
  ASSERT_EQ(Batch(*listed).size(), 1u);
  EXPECT_EQ(Str(*Batch(*listed)[0], "name"), "_id_");
}

TEST_F(CatalogStatsTest, DroppedIndexesStayDroppedAfterARestart) {
  options_.dbpath = MakeDbPath();
  Open();
  Ok("db", R"({"insert": "c", "documents": [{"_id": 1, "u": 1}]})");
  Ok("db", R"({"createIndexes": "c", "indexes": [{"key": {"u": 1}, "name": "u_1",
      "unique": true}]})");
  Ok("db", R"({"dropIndexes": "c", "index": ["u_1"]})");
  engine_->BeforeReplies();
  Open();
  EXPECT_EQ(Batch(*Ok("db", R"({"listIndexes": "c"})")).size(), 1u);
  Ok("db", R"({"insert": "c", "documents": [{"_id": 2, "u": 1}]})");  // no longer unique
}

TEST_F(CatalogStatsTest, DbStatsAndCollStats) {
  common::BsonPtr db = Ok("db", R"({"dbStats": 1})");
  EXPECT_EQ(Str(*db, "db"), "db");
  EXPECT_EQ(Int(*db, "collections"), 1);
  EXPECT_EQ(Int(*db, "objects"), 4);
  EXPECT_EQ(Int(*db, "indexes"), 1);
  EXPECT_GT(Double(*db, "dataSize"), 0.0);
  common::BsonPtr coll = Ok("db", R"({"collStats": "c", "scale": 1})");
  EXPECT_EQ(Str(*coll, "ns"), "db.c");
  EXPECT_EQ(Int(*coll, "count"), 4);
  EXPECT_EQ(Int(*coll, "nindexes"), 1);
  EXPECT_TRUE(Has(*coll, "indexSizes._id_"));
  EXPECT_FALSE(Bool(*coll, "capped"));
  Fails("db", R"({"collStats": "nothing"})", 26);
  EXPECT_EQ(Int(*Ok("empty", R"({"dbStats": 1})"), "collections"), 0);
}

TEST_F(CatalogStatsTest, NoCursorTimeoutCursorsAreNotReaped) {
  options_.cursor_timeout_ms = 1000;
  EngineTest::Open();
  Ok("db", R"({"insert": "c", "documents": [{"_id": 1}, {"_id": 2}]})");
  int64_t kept =
      Int(*Ok("db", R"({"find": "c", "batchSize": 1, "noCursorTimeout": true})"), "cursor.id");
  int64_t reaped = Int(*Ok("db", R"({"find": "c", "batchSize": 1})"), "cursor.id");
  EXPECT_EQ(Int(*Ok("admin", R"({"serverStatus": 1})"), "metrics.cursor.open.noTimeout"), 1);
  mono_ms_ += 5000;
  engine_->OnTick(mono_ms_);
  Ok("db", R"({"getMore": )" + Long(kept) + R"(, "collection": "c"})");
  Fails("db", R"({"getMore": )" + Long(reaped) + R"(, "collection": "c"})", 43);
}

TEST_F(CatalogStatsTest, OptionsMongodHonoursAreRefusedNotIgnored) {
  for (const char* command : {
           R"({"create": "v", "viewOn": "c", "pipeline": []})",
           R"({"create": "capped", "capped": true, "size": 4096})",
           R"({"create": "valid", "validator": {"a": {"$exists": true}}})",
           R"({"create": "ts", "timeseries": {"timeField": "t"}})",
           R"({"create": "ttl", "expireAfterSeconds": 10})",
           R"({"create": "coll", "collation": {"locale": "fr"}})",
           R"({"find": "c", "collation": {"locale": "en", "strength": 2}})",
           R"({"find": "c", "min": {"_id": 1}})",
           R"({"find": "c", "tailable": true})",
           R"({"find": "c", "let": {"x": 1}, "filter": {}})",
           R"({"aggregate": "c", "pipeline": [], "explain": true})",
           R"({"count": "c", "collation": {"locale": "de"}})",
           R"({"delete": "c", "deletes": [{"q": {}, "limit": 0, "collation": {"locale": "de"}}]})",
           R"({"createIndexes": "c", "indexes": [{"key": {"t": 1}, "name": "t_1",
               "expireAfterSeconds": 60}]})",
           R"({"createIndexes": "c", "indexes": [{"key": {"t": 1}, "name": "t_1",
               "partialFilterExpression": {"t": {"$exists": true}}}]})",
           R"({"createIndexes": "c", "indexes": [{"key": {"t": 1}, "name": "t_1",
               "unique": true, "sparse": true}]})",
           R"({"insert": "c", "documents": [{}], "startTransaction": true, "autocommit": false})",
           R"({"find": "c", "readConcern": {"level": "snapshot"}})",
       }) {
    common::BsonPtr reply = Fails("db", command, 115);
    EXPECT_EQ(Str(*reply, "codeName"), "CommandNotSupported") << command;
  }
  // Nothing was created or changed by the refused commands.
  EXPECT_EQ(Batch(*Ok("db", R"({"listCollections": 1})")).size(), 1u);
  EXPECT_EQ(Int(*Ok("db", R"({"count": "c"})"), "n"), 4);
  // What asks for nothing special is accepted.
  Ok("db", R"({"create": "plain", "capped": false})");
  Ok("db", R"({"find": "c", "collation": {"locale": "simple"}, "tailable": false})");
  Ok("db", R"({"find": "c", "readConcern": {"level": "majority"}})");
  Ok("db", R"({"createIndexes": "c", "indexes": [{"key": {"s": 1}, "name": "s_1",
      "sparse": true}]})");
}

// devmongod plans no queries, but like mongod it refuses a hint that names
// no index of the collection.
TEST_F(CatalogStatsTest, HintsMustNameAnExistingIndex) {
  Ok("db", R"({"createIndexes": "c", "indexes": [{"key": {"room": 1}, "name": "room_1"}]})");
  Ok("db", R"({"find": "c", "hint": "room_1"})");
  Ok("db", R"({"find": "c", "hint": {"room": 1}})");
  Ok("db", R"({"count": "c", "hint": {"$natural": 1}})");
  Ok("db", R"({"find": "missing", "hint": "nope"})");
  Fails("db", R"({"find": "c", "hint": "nope"})", 2);
  Fails("db", R"({"find": "c", "hint": {"room": -1}})", 2);
  Fails("db", R"({"count": "c", "hint": "nope"})", 2);
  Fails("db", R"({"aggregate": "c", "pipeline": [], "cursor": {}, "hint": "nope"})", 2);
  common::BsonPtr deleted =
      Ok("db", R"({"delete": "c", "deletes": [{"q": {}, "limit": 0, "hint": "nope"}]})");
  EXPECT_EQ(Int(*deleted, "n"), 0);
  EXPECT_EQ(Int(*deleted, "writeErrors.0.code"), 2);
  EXPECT_EQ(Int(*Ok("db", R"({"count": "c"})"), "n"), 4);
}

TEST_F(CatalogStatsTest, CommandsDevmongodDoesNotHaveAreCommandNotFound) {
  for (const char* command : {R"({"collMod": "c"})", R"({"explain": {"find": "c"}})",
                              R"({"mapReduce": "c"})", R"({"commitTransaction": 1})"}) {
    Fails("db", command, 59);
  }
}

}  // namespace
}  // namespace devmongod::testing
