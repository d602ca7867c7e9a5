// The newer query operators through the commands that take filters: find,
// count, delete and aggregate $match (the matcher's own tables are in
// tests/devmongod/query).
#include <gtest/gtest.h>

#include "engine_test_support.h"

namespace devmongod::testing {
namespace {

class QueryOperatorsTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    Ok("db", R"({"insert": "m", "documents": [
        {"_id": 1, "user": "Ada", "tags": ["x", "y"], "n": 3, "votes": [{"by": "b", "up": true}]},
        {"_id": 2, "user": "bob", "tags": ["y"], "n": 8, "votes": []},
        {"_id": 3, "user": "ann", "tags": "x", "n": 5.5, "votes": [{"by": "a", "up": false}]}]})");
  }
  int64_t Count(const std::string& filter) {
    return Int(*Ok("db", R"({"count": "m", "query": )" + filter + "}"), "n");
  }
};

TEST_F(QueryOperatorsTest, FindCountAggregateAndDeleteUseThem) {
  EXPECT_EQ(Count(R"({"user": {"$regularExpression": {"pattern": "^a", "options": "i"}}})"), 2);
  EXPECT_EQ(Count(R"({"tags": {"$all": ["x", "y"]}})"), 1);
  EXPECT_EQ(Count(R"({"tags": {"$size": 1}})"), 1);
  EXPECT_EQ(Count(R"({"votes": {"$elemMatch": {"up": true}}})"), 1);
  EXPECT_EQ(Count(R"({"n": {"$mod": [2, 1]}})"), 2);  // 3 and 5.5 (truncated to 5)
  EXPECT_EQ(Count(R"({"$expr": {"$gt": ["$n", 4]}})"), 2);
  common::BsonPtr found = Ok("db", R"({"find": "m", "filter": {"$expr": {"$lt": ["$n", 4]}}})");
  ASSERT_EQ(Batch(*found).size(), 1u);
  EXPECT_EQ(Int(*Batch(*found)[0], "_id"), 1);
  common::BsonPtr grouped = Ok("db", R"({"aggregate": "m", "cursor": {}, "pipeline": [
      {"$match": {"votes": {"$size": 0}}}, {"$project": {"_id": 0, "user": 1}}]})");
  ASSERT_EQ(Batch(*grouped).size(), 1u);
  EXPECT_EQ(Str(*Batch(*grouped)[0], "user"), "bob");
  EXPECT_EQ(Int(*Ok("db", R"({"delete": "m", "deletes": [{"q": {"tags": {"$elemMatch":
      {"$eq": "y"}}}, "limit": 0}]})"),
                "n"),
            2);
  EXPECT_EQ(Count("{}"), 1);
}

TEST_F(QueryOperatorsTest, ErrorsNameTheOperator) {
  common::BsonPtr where = Fails("db", R"({"find": "m", "filter": {"$where": "true"}})", 2);
  EXPECT_NE(Str(*where, "errmsg").find("$where"), std::string::npos);
  common::BsonPtr bits = Fails("db", R"({"count": "m", "query": {"n": {"$bitsAllSet": 1}}})", 2);
  EXPECT_NE(Str(*bits, "errmsg").find("$bitsAllSet"), std::string::npos);
  Fails("db", R"({"find": "m", "filter": {"$expr": {"$nope": 1}}})", 168);
}

}  // namespace
}  // namespace devmongod::testing
