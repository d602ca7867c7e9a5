// Bad input never crashes the engine: every field of every command, replaced
// by values of every type, still gets a reply ({ok: 0} with an error or
// {ok: 1}), and the engine keeps working afterwards.
#include <gtest/gtest.h>

#include "engine_test_support.h"

namespace devmongod::testing {
namespace {

using RobustnessTest = EngineTest;

// Copies `base` with the field at `position` replaced by the single value of `value`.
common::BsonPtr Replace(const bson_t& base, size_t position, const bson_t& value) {
  common::BsonPtr out = common::NewBson();
  bson_iter_t iter, replacement;
  bson_iter_init(&iter, &base);
  bson_iter_init(&replacement, &value);
  bson_iter_next(&replacement);
  for (size_t i = 0; bson_iter_next(&iter); ++i) {
    const bson_value_t* v = i == position ? bson_iter_value(&replacement) : bson_iter_value(&iter);
    bson_append_value(out.get(), bson_iter_key(&iter), -1, v);
  }
  return out;
}

TEST_F(RobustnessTest, EveryFieldWithEveryTypeGetsAReply) {
  Ok("db", R"({"insert": "c", "documents": [{"_id": 1, "a": 1}, {"_id": 2, "a": 2}]})");
  const std::vector<std::string> commands = {
      R"({"hello": 1, "client": {"application": {"name": "x"}}})",
      R"({"insert": "c", "documents": [{"a": 1}], "ordered": true,
          "lsid": {"id": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAABA==", "subType": "04"}}},
          "txnNumber": {"$numberLong": "1"}})",
      R"({"find": "c", "filter": {"a": 1}, "sort": {"a": -1}, "projection": {"a": 1},
          "skip": 0, "limit": 5, "batchSize": 1, "singleBatch": false})",
      R"({"getMore": {"$numberLong": "1"}, "collection": "c", "batchSize": 1, "maxTimeMS": 10})",
      R"({"killCursors": "c", "cursors": [{"$numberLong": "1"}]})",
      R"({"count": "c", "query": {"a": 1}, "skip": 1, "limit": 1})",
      R"({"delete": "c", "deletes": [{"q": {"a": 5}, "limit": 1}], "ordered": true})",
      R"({"aggregate": "c", "pipeline": [{"$match": {"a": 1}}], "cursor": {"batchSize": 1}})",
      R"({"aggregate": "c", "pipeline": [{"$changeStream": {"fullDocument": "default"}},
          {"$match": {"operationType": "insert"}}], "cursor": {}})",
      R"({"aggregate": 1, "pipeline": [{"$changeStream": {"startAtOperationTime":
          {"$timestamp": {"t": 1, "i": 1}}}}], "cursor": {}})",
      R"({"create": "x"})",
      R"({"drop": "nothing"})",
      R"({"createIndexes": "c", "indexes": [{"key": {"z": 1}, "name": "z_1", "unique": false}]})",
      R"({"listIndexes": "c"})",
      R"({"listCollections": 1, "filter": {"name": "c"}, "nameOnly": true})",
      R"({"listDatabases": 1, "nameOnly": false})",
      R"({"serverStatus": 1})",
      R"({"buildInfo": 1})",
      R"({"endSessions": []})",
      R"({"configureFailPoint": "failCommand", "mode": {"times": 1},
          "data": {"failCommands": ["nothing"], "errorCode": 2, "errorLabels": ["x"],
                   "blockConnection": false, "blockTimeMS": 1, "appName": "y",
                   "closeConnection": false}})",
  };
  const std::vector<std::string> values = {R"({"v": 1})",
                                           R"({"v": "s"})",
                                           R"({"v": {}})",
                                           R"({"v": []})",
                                           R"({"v": null})",
                                           R"({"v": true})",
                                           R"({"v": -1.5})",
                                           R"({"v": {"$numberLong": "-9223372036854775808"}})",
                                           R"({"v": {"$numberLong": "9223372036854775807"}})",
                                           R"({"v": 1e300})",
                                           R"({"v": [{}, 1]})",
                                           R"({"v": {"$x": 1}})",
                                           R"({"v": {"_data": "zz"}})"};
  size_t runs = 0;
  for (const std::string& json : commands) {
    common::BsonPtr base = Json(json);
    for (size_t position = 0; position < bson_count_keys(base.get()); ++position) {
      for (const std::string& value_json : values) {
        common::BsonPtr value = Json(value_json);
        common::BsonPtr command = Replace(*base, position, *value);
        const std::string db =
            json.find("configureFailPoint") != std::string::npos ? "admin" : "db";
        Outcome outcome = RunCommand(db, std::move(command), 1000 + runs);
        ++runs;
        if (outcome.kind == Outcome::Kind::kWait || outcome.kind == Outcome::Kind::kDelay) continue;
        ASSERT_EQ(outcome.kind, Outcome::Kind::kReply) << json;
        ASSERT_TRUE(outcome.reply);
        EXPECT_TRUE(Has(*outcome.reply, "ok")) << ToJson(*outcome.reply);
        EXPECT_TRUE(Has(*outcome.reply, "operationTime"));
      }
    }
  }
  EXPECT_GT(runs, 500u);
  Ok("admin", R"({"configureFailPoint": "failCommand", "mode": "off"})");
  EXPECT_GE(Int(*Ok("db", R"({"count": "c"})"), "n"), 2);
}

TEST_F(RobustnessTest, EmptyAndOddRequests) {
  Outcome empty = Run("db", "{}");
  ASSERT_EQ(empty.kind, Outcome::Kind::kReply);
  EXPECT_EQ(Double(*empty.reply, "ok"), 0.0);
  wire::Request no_command;
  no_command.header.op_code = wire::kOpMsg;
  no_command.database = "db";
  Outcome none = engine_->Execute(no_command, ExecContext{});
  ASSERT_EQ(none.kind, Outcome::Kind::kReply);
  EXPECT_EQ(Double(*none.reply, "ok"), 0.0);
  Fails("", R"({"find": "c"})", 73);
  Fails("db", R"({"insert": "", "documents": [{}]})", 73);
  Fails("db", R"({"insert": "a$b", "documents": [{}]})", 73);
}

}  // namespace
}  // namespace devmongod::testing
