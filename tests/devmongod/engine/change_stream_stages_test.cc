// The stages after $changeStream: which are allowed, what they do to
// events, and the fatal error when one of them changes an event's _id.
#include <gtest/gtest.h>

#include "change_stream_fixture.h"
#include "engine_test_support.h"

namespace devmongod::testing {
namespace {

class ChangeStreamStagesTest : public ChangeStreamTest {
 protected:
  // The next event of a stream on db.c opened with `stages`, after inserting
  // `doc`.
  common::BsonPtr EventThrough(const std::string& stages, const std::string& doc) {
    int64_t id = Int(*Open("db", R"("c")", "{}", ", " + stages), "cursor.id");
    Insert("db", "c", doc);
    std::vector<common::BsonPtr> events = Batch(*Next("db", id, "c"));
    EXPECT_EQ(events.size(), 1u);
    return events.empty() ? common::NewBson() : std::move(events[0]);
  }
  static std::vector<std::string> Keys(const bson_t& doc) {
    std::vector<std::string> keys;
    bson_iter_t iter;
    bson_iter_init(&iter, &doc);
    while (bson_iter_next(&iter)) keys.emplace_back(bson_iter_key(&iter));
    return keys;
  }
  int32_t OpenFailure(const std::string& stage) {
    Outcome outcome =
        Run("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {}}, )" +
                      stage + "]}");
    if (!outcome.reply || Double(*outcome.reply, "ok") != 0.0) return 0;
    return static_cast<int32_t>(Int(*outcome.reply, "code"));
  }
};

TEST_F(ChangeStreamStagesTest, ProjectAndUnsetShapeEvents) {
  common::BsonPtr projected =
      EventThrough(R"({"$project": {"operationType": 1, "fullDocument.room": 1}})",
                   R"({"_id": 1, "room": "r", "text": "t"})");
  EXPECT_EQ(Keys(*projected), (std::vector<std::string>{"_id", "operationType", "fullDocument"}));
  EXPECT_EQ(ToJson(*Doc(*projected, "fullDocument")), R"({ "room" : "r" })");
  common::BsonPtr unset = EventThrough(
      R"({"$unset": ["wallTime", "ns", "documentKey", "clusterTime"]})", R"({"_id": 2})");
  EXPECT_EQ(Keys(*unset), (std::vector<std::string>{"_id", "operationType", "fullDocument"}));
}

TEST_F(ChangeStreamStagesTest, AddFieldsSetAndReplaceRootKeepingTheId) {
  common::BsonPtr added = EventThrough(
      R"({"$addFields": {"room": "$fullDocument.room",
                         "isInsert": {"$eq": ["$operationType", "insert"]}}},
         {"$set": {"fullDocument.seen": true}})",
      R"({"_id": 1, "room": "r"})");
  EXPECT_EQ(Str(*added, "room"), "r");
  EXPECT_TRUE(Bool(*added, "isInsert"));
  EXPECT_TRUE(Bool(*added, "fullDocument.seen"));
  common::BsonPtr replaced =
      EventThrough(R"({"$replaceRoot": {"newRoot": {"_id": "$_id", "message": "$fullDocument"}}})",
                   R"({"_id": 2, "room": "r"})");
  EXPECT_EQ(Keys(*replaced), (std::vector<std::string>{"_id", "message"}));
  EXPECT_EQ(Int(*replaced, "message._id"), 2);
}

TEST_F(ChangeStreamStagesTest, MatchAndRedactDropEvents) {
  int64_t id = Int(*Open("db", R"("c")", "{}", R"(, {"$redact": {"$cond": {
      "if": {"$eq": ["$operationType", "delete"]}, "then": "$$PRUNE", "else": "$$KEEP"}}},
      {"$match": {"fullDocument.keep": {"$ne": false}}})"),
                   "cursor.id");
  Insert("db", "c", R"({"_id": 1}, {"_id": 2, "keep": false})");
  Ok("db", R"({"delete": "c", "deletes": [{"q": {"_id": 1}, "limit": 1}]})");
  Insert("db", "c", R"({"_id": 3})");
  EXPECT_EQ(Ids(*Next("db", id, "c")), (std::vector<int64_t>{1, 3}));
}

// mongod fails the stream when it would return an event whose _id (the
// resume token) a stage removed or changed; until then the stream works.
TEST_F(ChangeStreamStagesTest, ChangingTheIdFailsTheStreamWhenSuchAnEventIsReturned) {
  for (const std::string stages :
       {R"({"$project": {"_id": 0}})", R"({"$replaceWith": "$documentKey"})",
        R"({"$set": {"_id": "mine"}})", R"({"$unset": "_id._data"})"}) {
    // Events the $match drops never reach the stage, so they do no harm.
    common::BsonPtr opened =
        Open("db", R"("c")", "{}", R"(, {"$match": {"operationType": "delete"}}, )" + stages);
    int64_t id = Int(*opened, "cursor.id");
    ASSERT_NE(id, 0) << stages;
    Insert("db", "c", R"({"_id": 7})");
    EXPECT_TRUE(Batch(*Next("db", id, "c")).empty()) << stages;
    Ok("db", R"({"delete": "c", "deletes": [{"q": {"_id": 7}, "limit": 1}]})");
    Outcome failed = GetMore("db", id, "c");
    ASSERT_EQ(failed.kind, Outcome::Kind::kReply) << stages;
    EXPECT_EQ(Int(*failed.reply, "code"), 280) << stages;
    EXPECT_EQ(Str(*failed.reply, "codeName"), "ChangeStreamFatalError");
    EXPECT_EQ(Str(*failed.reply, "errorLabels.0"), "NonResumableChangeStreamError");
    EXPECT_EQ(Int(*GetMore("db", id, "c").reply, "code"), 43) << "the cursor is gone";
  }
}

TEST_F(ChangeStreamStagesTest, StagesMongodDoesNotAllowThereAreRefused) {
  EXPECT_EQ(OpenFailure(R"({"$sort": {"x": 1}})"), 20);
  EXPECT_EQ(OpenFailure(R"({"$group": {"_id": null}})"), 20);
  EXPECT_EQ(OpenFailure(R"({"$unwind": "$x"})"), 20);
  EXPECT_EQ(OpenFailure(R"({"$nosuchstage": {}})"), 40324);
  EXPECT_EQ(OpenFailure(R"({"$changeStream": {}})"), 40602);
  EXPECT_EQ(OpenFailure(R"({"$addFields": {}})"), 40177);
  EXPECT_EQ(OpenFailure(R"({"$project": {"x": {"$nosuch": 1}}})"), 168);
  EXPECT_EQ(OpenFailure(R"({"$match": {"a": 1}, "$project": {"a": 1}})"), 40323);
}

}  // namespace
}  // namespace devmongod::testing
