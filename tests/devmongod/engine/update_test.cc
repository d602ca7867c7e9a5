// update and findAndModify: operators, replacement, upsert, multi, errors as
// mongod words them, the change events they produce (update with
// updateDescription, replace, fullDocument with updateLookup before the
// stream's own $match), and the journal replaying them.
#include <gtest/gtest.h>

#include "change_stream_fixture.h"
#include "engine_test_support.h"

namespace devmongod::testing {
namespace {

class UpdateTest : public ChangeStreamTest {
 protected:
  common::BsonPtr Find(const std::string& filter) {
    common::BsonPtr r = Ok("db", R"({"find": "c", "filter": )" + filter + "}");
    std::vector<common::BsonPtr> docs = Batch(*r);
    return docs.empty() ? common::NewBson() : std::move(docs[0]);
  }
};

TEST_F(UpdateTest, OperatorsOnTopLevelAndDottedPaths) {
  Insert("db", "c", R"({"_id": 1, "a": 1, "n": 5, "gone": true, "tags": ["x"], "sub": {"k": 1}})");
  common::BsonPtr r = Ok("db", R"({"update": "c", "updates": [{"q": {"_id": 1}, "u": {
      "$set": {"a": 2, "sub.k": 3, "new.deep": "y"}, "$unset": {"gone": ""},
      "$inc": {"n": 2, "m": 1}, "$push": {"tags": {"$each": ["y", "z"]}},
      "$currentDate": {"when": true}, "$min": {"low": 1}, "$max": {"top": 100}}}]})");
  EXPECT_EQ(Int(*r, "n"), 1);
  EXPECT_EQ(Int(*r, "nModified"), 1);
  common::BsonPtr doc = Find(R"({"_id": 1})");
  EXPECT_EQ(Int(*doc, "a"), 2);
  EXPECT_EQ(Int(*doc, "n"), 7);
  EXPECT_EQ(Int(*doc, "top"), 100);
  EXPECT_EQ(Int(*doc, "m"), 1);
  EXPECT_FALSE(Has(*doc, "gone"));
  EXPECT_EQ(Str(*doc, "tags.2"), "z");
  EXPECT_EQ(Int(*doc, "sub.k"), 3);
  EXPECT_EQ(Str(*doc, "new.deep"), "y");
  EXPECT_EQ(TypeOf(*doc, "when"), BSON_TYPE_DATE_TIME);
  EXPECT_EQ(Int(*doc, "when"), wall_ms_);
  EXPECT_EQ(Int(*doc, "low"), 1);
}

TEST_F(UpdateTest, IncKeepsIntegerTypesAndWidensOnOverflow) {
  Insert("db", "c", R"({"_id": 1, "i": 2147483647, "d": 1.5})");
  common::BsonPtr r = Ok(
      "db", R"({"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$inc": {"i": 1, "d": 1}}}]})");
  EXPECT_FALSE(Has(*r, "writeErrors")) << ToJson(*r);
  common::BsonPtr doc = Find(R"({"_id": 1})");
  EXPECT_EQ(TypeOf(*doc, "i"), BSON_TYPE_INT64);
  EXPECT_EQ(Int(*doc, "i"), 2147483648);
  EXPECT_EQ(TypeOf(*doc, "d"), BSON_TYPE_DOUBLE);
  // Past 64 bits mongod refuses rather than losing precision.
  Ok("db",
     R"({"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$set": {"big": {"$numberLong": "9223372036854775807"}}}}]})");
  r = Ok("db", R"({"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$inc": {"big": 1}}}]})");
  EXPECT_EQ(Int(*r, "writeErrors.0.code"), 2);
}

TEST_F(UpdateTest, MultiUpsertAndReplacement) {
  Insert("db", "c", R"({"_id": 1, "r": "a"}, {"_id": 2, "r": "a"}, {"_id": 3, "r": "b"})");
  common::BsonPtr one =
      Ok("db", R"({"update": "c", "updates": [{"q": {"r": "a"}, "u": {"$set": {"x": 1}}}]})");
  EXPECT_EQ(Int(*one, "n"), 1);
  common::BsonPtr many = Ok(
      "db",
      R"({"update": "c", "updates": [{"q": {"r": "a"}, "u": {"$set": {"x": 1}}, "multi": true}]})");
  EXPECT_EQ(Int(*many, "n"), 2);
  EXPECT_EQ(Int(*many, "nModified"), 1);  // the first already had x: 1
  common::BsonPtr up = Ok("db", R"({"update": "c", "updates": [
      {"q": {"r": "new", "k": {"$eq": 7}}, "u": {"$set": {"v": 1}, "$setOnInsert": {"born": true}},
       "upsert": true}]})");
  EXPECT_EQ(Int(*up, "n"), 1);
  EXPECT_EQ(Int(*up, "nModified"), 0);
  EXPECT_EQ(Int(*up, "upserted.0.index"), 0);
  EXPECT_EQ(TypeOf(*up, "upserted.0._id"), BSON_TYPE_OID);
  common::BsonPtr born = Find(R"({"r": "new"})");
  EXPECT_EQ(Int(*born, "k"), 7);
  EXPECT_TRUE(Bool(*born, "born"));
  Ok("db", R"({"update": "c", "updates": [{"q": {"_id": 3}, "u": {"only": "this"}}]})");
  common::BsonPtr replaced = Find(R"({"_id": 3})");
  EXPECT_EQ(ToJson(*replaced), R"({ "_id" : { "$numberInt" : "3" }, "only" : "this" })");
}

TEST_F(UpdateTest, ErrorsAsMongodGivesThem) {
  Insert("db", "c", R"({"_id": 1, "s": "text"})");
  auto error_of = [&](const std::string& u) {
    common::BsonPtr r =
        Ok("db", R"({"update": "c", "updates": [{"q": {"_id": 1}, "u": )" + u + "}]}");
    return Int(*r, "writeErrors.0.code");
  };
  EXPECT_EQ(error_of(R"({"$bogus": {"a": 1}})"), 9);
  EXPECT_EQ(error_of(R"({"$set": {"a": 1, "a.b": 2}})"), 40);
  EXPECT_EQ(error_of(R"([{"$set": {"a": 1}}])"), 2);
  EXPECT_EQ(error_of(R"({"$inc": {"s": 1}})"), 14);
  EXPECT_EQ(error_of(R"({"$set": {"_id": 2}})"), 66);
  EXPECT_EQ(error_of(R"({"$set": {"s.x": 1}})"), 28);
  EXPECT_EQ(error_of(R"({"$push": {"s": 1}})"), 2);
  // Nothing changed.
  EXPECT_EQ(Str(*Find(R"({"_id": 1})"), "s"), "text");
}

TEST_F(UpdateTest, FindAndModifyReturnsBeforeOrAfterAndRemoves) {
  Insert("db", "c", R"({"_id": 1, "v": 1}, {"_id": 2, "v": 2})");
  common::BsonPtr before = Ok("db", R"({"findAndModify": "c", "query": {"v": {"$gte": 1}},
      "sort": {"v": -1}, "update": {"$inc": {"v": 10}}})");
  EXPECT_EQ(Int(*before, "value._id"), 2);
  EXPECT_EQ(Int(*before, "value.v"), 2);
  EXPECT_EQ(Int(*before, "lastErrorObject.n"), 1);
  EXPECT_TRUE(Bool(*before, "lastErrorObject.updatedExisting"));
  common::BsonPtr after = Ok("db", R"({"findAndModify": "c", "query": {"_id": 1},
      "update": {"$set": {"w": 1}}, "new": true, "fields": {"w": 1, "_id": 0}})");
  EXPECT_EQ(ToJson(*Doc(*after, "value")), R"({ "w" : { "$numberInt" : "1" } })");
  common::BsonPtr none =
      Ok("db", R"({"findAndModify": "c", "query": {"_id": 9}, "update": {"$set": {"a": 1}}})");
  EXPECT_EQ(TypeOf(*none, "value"), BSON_TYPE_NULL);
  EXPECT_EQ(Int(*none, "lastErrorObject.n"), 0);
  common::BsonPtr upserted = Ok("db", R"({"findandmodify": "c", "query": {"_id": 9},
      "update": {"$set": {"a": 1}}, "upsert": true, "new": true})");
  EXPECT_EQ(Int(*upserted, "value._id"), 9);
  EXPECT_EQ(Int(*upserted, "lastErrorObject.upserted"), 9);
  EXPECT_FALSE(Bool(*upserted, "lastErrorObject.updatedExisting"));
  common::BsonPtr removed =
      Ok("db", R"({"findAndModify": "c", "query": {"_id": 1}, "remove": true})");
  EXPECT_EQ(Int(*removed, "value._id"), 1);
  EXPECT_EQ(Int(*Ok("db", R"({"count": "c"})"), "n"), 2);
  Fails("db", R"({"findAndModify": "c", "query": {}})", 9);
  Fails("db", R"({"findAndModify": "c", "remove": true, "update": {"$set": {"a": 1}}})", 9);
}

TEST_F(UpdateTest, ChangeEventsHaveMongodsShape) {
  int64_t id = Int(*Open("db", R"("c")"), "cursor.id");
  Insert("db", "c", R"({"_id": 1, "room": "r", "a": 1, "b": 2})");
  Ok("db",
     R"({"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$set": {"a": 5}, "$unset": {"b": 1}}}]})");
  Ok("db", R"({"update": "c", "updates": [{"q": {"_id": 1}, "u": {"room": "r", "whole": true}}]})");
  Ok("db", R"({"findAndModify": "c", "query": {"_id": 1}, "remove": true})");
  std::vector<common::BsonPtr> events = Batch(*Next("db", id, "c"));
  ASSERT_EQ(events.size(), 4u);
  const bson_t& update = *events[1];
  EXPECT_EQ(Str(update, "operationType"), "update");
  EXPECT_FALSE(Has(update, "fullDocument"));
  EXPECT_EQ(Int(update, "documentKey._id"), 1);
  EXPECT_EQ(ToJson(*Doc(update, "updateDescription")),
            R"({ "updatedFields" : { "a" : { "$numberInt" : "5" } }, "removedFields" : [ "b" ], )"
            R"("truncatedArrays" : [  ] })");
  EXPECT_EQ(Str(*events[2], "operationType"), "replace");
  EXPECT_TRUE(Bool(*events[2], "fullDocument.whole"));
  EXPECT_EQ(Str(*events[3], "operationType"), "delete");
}

TEST_F(UpdateTest, UpdateLookupFillsFullDocumentBeforeTheStreamsMatch) {
  // As the chat watches a room: a $match on fullDocument.room sees the
  // looked-up document of an update event.
  int64_t id = Int(*Open("db", R"("c")", R"({"fullDocument": "updateLookup"})",
                         R"(, {"$match": {"fullDocument.room": "r"}})"),
                   "cursor.id");
  Insert("db", "c", R"({"_id": 1, "room": "r", "t": "a"}, {"_id": 2, "room": "other", "t": "a"})");
  Ok("db", R"({"update": "c", "updates": [{"q": {}, "u": {"$set": {"t": "b"}}, "multi": true}]})");
  std::vector<common::BsonPtr> events = Batch(*Next("db", id, "c"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(Str(*events[1], "operationType"), "update");
  EXPECT_EQ(Str(*events[1], "fullDocument.t"), "b");
  std::vector<std::string> keys;
  bson_iter_t iter;
  bson_iter_init(&iter, events[1].get());
  while (bson_iter_next(&iter)) keys.emplace_back(bson_iter_key(&iter));
  EXPECT_EQ(keys,
            (std::vector<std::string>{"_id", "operationType", "clusterTime", "wallTime",
                                      "fullDocument", "ns", "documentKey", "updateDescription"}));
  // A document deleted before the event is read looks up as null.
  int64_t later = Int(*Open("db", R"("c")", R"({"fullDocument": "updateLookup"})"), "cursor.id");
  Ok("db", R"({"update": "c", "updates": [{"q": {"_id": 2}, "u": {"$set": {"t": "c"}}}]})");
  Ok("db", R"({"delete": "c", "deletes": [{"q": {"_id": 2}, "limit": 1}]})");
  events = Batch(*Next("db", later, "c"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(TypeOf(*events[0], "fullDocument"), BSON_TYPE_NULL);
}

// Not updates, but the same family of events, as mongod 6 gives them.
TEST_F(UpdateTest, DropDatabaseEmitsDropsThenDropDatabaseThenInvalidate) {
  Insert("db", "a", R"({"_id": 1})");
  Insert("db", "b", R"({"_id": 1})");
  int64_t db_stream = Int(*Open("db", "1"), "cursor.id");
  int64_t cluster = Int(*Open("admin", "1", R"({"allChangesForCluster": true})"), "cursor.id");
  Ok("db", R"({"dropDatabase": 1})");
  common::BsonPtr r = Next("db", db_stream, "$cmd.aggregate");
  std::vector<common::BsonPtr> events = Batch(*r);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(Str(*events[0], "operationType"), "drop");
  EXPECT_EQ(Str(*events[1], "operationType"), "drop");
  EXPECT_EQ(Str(*events[2], "operationType"), "dropDatabase");
  EXPECT_EQ(ToJson(*Doc(*events[2], "ns")), R"({ "db" : "db" })");
  EXPECT_EQ(Str(*events[3], "operationType"), "invalidate");
  EXPECT_EQ(Int(*r, "cursor.id"), 0);
  std::vector<common::BsonPtr> all = Batch(*Next("admin", cluster, "$cmd.aggregate"));
  ASSERT_EQ(all.size(), 3u);  // no invalidate for a cluster stream
  EXPECT_EQ(Str(*all[2], "operationType"), "dropDatabase");
  // Resuming a database stream right after the dropDatabase: the invalidate.
  std::vector<common::BsonPtr> again =
      Batch(*Open("db", "1", R"({"resumeAfter": )" + ToJson(*Doc(*events[2], "_id")) + "}"));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(Str(*again[0], "operationType"), "invalidate");
}

TEST_F(UpdateTest, RenameCollectionEmitsRenameAndInvalidatesTheSourceStream) {
  Insert("db", "a", R"({"_id": 1})");
  Insert("db", "b", R"({"_id": 2})");
  int64_t source = Int(*Open("db", R"("a")"), "cursor.id");
  int64_t database = Int(*Open("db", "1"), "cursor.id");
  Fails("db", R"({"renameCollection": "db.a", "to": "db.b"})", 13);
  Fails("admin", R"({"renameCollection": "db.a", "to": "db.b"})", 48);
  Fails("admin", R"({"renameCollection": "db.zz", "to": "db.y"})", 26);
  Ok("admin", R"({"renameCollection": "db.a", "to": "db.b", "dropTarget": true})");
  EXPECT_EQ(Int(*Ok("db", R"({"count": "a"})"), "n"), 0);
  std::vector<common::BsonPtr> docs = Batch(*Ok("db", R"({"find": "b"})"));
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(Int(*docs[0], "_id"), 1);
  common::BsonPtr r = Next("db", source, "a");
  std::vector<common::BsonPtr> events = Batch(*r);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(Str(*events[0], "operationType"), "rename");
  EXPECT_EQ(ToJson(*Doc(*events[0], "ns")), R"({ "db" : "db", "coll" : "a" })");
  EXPECT_EQ(ToJson(*Doc(*events[0], "to")), R"({ "db" : "db", "coll" : "b" })");
  EXPECT_EQ(Str(*events[1], "operationType"), "invalidate");
  EXPECT_EQ(Int(*r, "cursor.id"), 0);
  std::vector<common::BsonPtr> all = Batch(*Next("db", database, "$cmd.aggregate"));
  ASSERT_EQ(all.size(), 2u);  // the target's drop, then the rename; no invalidate
  EXPECT_EQ(Str(*all[0], "operationType"), "drop");
  EXPECT_EQ(Str(*all[1], "operationType"), "rename");
}

class UpdatePersistenceTest : public EngineTest {
 protected:
  void SetUp() override {
    options_.advertise = "localhost:27017";
    options_.dbpath = MakeDbPath();
    Open();
  }
};

TEST_F(UpdatePersistenceTest, UpdatesAndTheirEventsSurviveReopen) {
  common::BsonPtr opened =
      Ok("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {}}]})");
  const std::string start = Str(*opened, "cursor.postBatchResumeToken._data");
  Ok("db", R"({"insert": "c", "documents": [{"_id": 1, "v": 1}, {"_id": 2, "v": 2}]})");
  Ok("db", R"({"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$set": {"v": 5}}},
      {"q": {"_id": 3}, "u": {"$set": {"v": 3}}, "upsert": true}]})");
  Ok("db", R"({"findAndModify": "c", "query": {"_id": 2}, "remove": true})");
  Ok("db", R"({"findAndModify": "c", "query": {"_id": 3}, "update": {"x": 1}})");
  engine_->BeforeReplies();
  Open();  // a new engine on the same dbpath replays the journal
  common::BsonPtr docs = Ok("db", R"({"find": "c", "filter": {}, "sort": {"_id": 1}})");
  EXPECT_EQ(ToJson(*Doc(*docs, "cursor.firstBatch")),
            R"({ "0" : { "_id" : { "$numberInt" : "1" }, "v" : { "$numberInt" : "5" } }, )"
            R"("1" : { "_id" : { "$numberInt" : "3" }, "x" : { "$numberInt" : "1" } } })");
  common::BsonPtr resumed =
      Ok("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream":
      {"resumeAfter": {"_data": ")" +
                   start + R"("}}}]})");
  std::vector<std::string> kinds;
  for (const auto& event : Batch(*resumed)) kinds.push_back(Str(*event, "operationType"));
  EXPECT_EQ(kinds, (std::vector<std::string>{"insert", "insert", "update", "insert", "delete",
                                             "replace"}));
  // renameCollection's and dropDatabase's events are journaled too.
  Ok("admin", R"({"renameCollection": "db.c", "to": "db.d"})");
  Ok("db", R"({"dropDatabase": 1})");
  engine_->BeforeReplies();
  Open();
  std::vector<std::string> later;
  common::BsonPtr again = Ok("db", R"({"aggregate": 1, "cursor": {}, "pipeline": [{"$changeStream":
      {"resumeAfter": {"_data": ")" + start +
                                       R"("}}}]})");
  for (const auto& event : Batch(*again)) later.push_back(Str(*event, "operationType"));
  EXPECT_EQ(later,
            (std::vector<std::string>{"insert", "insert", "update", "insert", "delete", "replace",
                                      "rename", "drop", "dropDatabase", "invalidate"}));
}

}  // namespace
}  // namespace devmongod::testing
