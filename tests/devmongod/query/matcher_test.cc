// Matcher truth tables: every operator against scalars, arrays, dotted paths,
// missing fields and nulls, with MongoDB's expected answers.
#include <gtest/gtest.h>

#include <string>

#include "bson_test_util.h"
#include "devmongod/query/query.h"

namespace devmongod::query {
namespace {

using testing::Doc;

struct MatchCase {
  const char* filter;
  const char* doc;
  bool expected;
};

void RunTable(const MatchCase* begin, const MatchCase* end) {
  for (const MatchCase* c = begin; c != end; ++c) {
    auto matcher = Matcher::Compile(*Doc(c->filter));
    ASSERT_TRUE(matcher.has_value()) << c->filter << ": " << matcher.error().message;
    EXPECT_EQ(matcher->Matches(*Doc(c->doc)), c->expected) << c->filter << " on " << c->doc;
  }
}

#define RUN_TABLE(table) RunTable(std::begin(table), std::end(table))

TEST(MatcherTest, Equality) {
  const MatchCase cases[] = {
      {R"({"a": 1})", R"({"a": 1})", true},
      {R"({"a": 1})", R"({"a": 1.0})", true},
      {R"({"a": 1})", R"({"a": {"$numberLong": "1"}})", true},
      {R"({"a": 1})", R"({"a": "1"})", false},
      {R"({"a": 1})", R"({"b": 1})", false},
      {R"({"a": "x", "b": 2})", R"({"b": 2, "a": "x"})", true},
      {R"({"a": "x", "b": 2})", R"({"a": "x", "b": 3})", false},
      {R"({"room": "general"})", R"({"room": "general", "text": "hi"})", true},
      {R"({"room": "general"})", R"({"room": "General"})", false},
      // null matches null and missing, not falsy values or empty arrays.
      {R"({"a": null})", R"({})", true},
      {R"({"a": null})", R"({"a": null})", true},
      {R"({"a": null})", R"({"a": 0})", false},
      {R"({"a": null})", R"({"a": false})", false},
      {R"({"a": null})", R"({"a": [1, null]})", true},
      {R"({"a": null})", R"({"a": []})", false},
      // An embedded document is compared whole, field order included.
      {R"({"a": {"b": 1}})", R"({"a": {"b": 1}})", true},
      {R"({"a": {"b": 1}})", R"({"a": {"b": 1.0}})", true},
      {R"({"a": {"b": 1}})", R"({"a": {"b": 1, "c": 2}})", false},
      {R"({"a": {"b": 1, "c": 2}})", R"({"a": {"c": 2, "b": 1}})", false},
      {R"({"a": {}})", R"({"a": {}})", true},
      {R"({"a": {}})", R"({})", false},
      // Arrays: the array itself or any element.
      {R"({"tags": "a"})", R"({"tags": ["a", "b"]})", true},
      {R"({"tags": "c"})", R"({"tags": ["a", "b"]})", false},
      {R"({"tags": ["a", "b"]})", R"({"tags": ["a", "b"]})", true},
      {R"({"tags": ["b", "a"]})", R"({"tags": ["a", "b"]})", false},
      {R"({"tags": ["a"]})", R"({"tags": [["a"], "x"]})", true},
      {R"({"tags": "a"})", R"({"tags": [["a"]]})", false},
      {R"({"tags": []})", R"({"tags": []})", true},
      {R"({"a": {"$minKey": 1}})", R"({"a": {"$minKey": 1}})", true},
      {R"({"a": {"$numberDouble": "NaN"}})", R"({"a": {"$numberDouble": "NaN"}})", true},
      // A document whose first key is not an operator is a literal.
      {R"({"a": {"b": 1, "$gt": 0}})", R"({"a": {"b": 1, "$gt": 0}})", true},
  };
  RUN_TABLE(cases);
}

TEST(MatcherTest, EqAndNe) {
  const MatchCase cases[] = {
      {R"({"a": {"$eq": 1}})", R"({"a": 1.0})", true},
      {R"({"a": {"$eq": 1}})", R"({"a": [0, 1]})", true},
      {R"({"a": {"$eq": null}})", R"({})", true},
      {R"({"a": {"$eq": {"$oid": "000000000000000000000001"}}})",
       R"({"a": {"$oid": "000000000000000000000001"}})", true},
      {R"({"a": {"$ne": 1}})", R"({"a": 2})", true},
      {R"({"a": {"$ne": 1}})", R"({"a": 1})", false},
      {R"({"a": {"$ne": 1}})", R"({})", true},
      {R"({"a": {"$ne": 1}})", R"({"a": [1, 2]})", false},
      {R"({"a": {"$ne": 1}})", R"({"a": [2, 3]})", true},
      {R"({"a": {"$ne": null}})", R"({})", false},
      {R"({"a": {"$ne": null}})", R"({"a": 0})", true},
      {R"({"a": {"$ne": "x"}})", R"({"a": 5})", true},
  };
  RUN_TABLE(cases);
}

TEST(MatcherTest, RangeOperatorsWithTypeBracketing) {
  const MatchCase cases[] = {
      {R"({"a": {"$gt": 5}})", R"({"a": 6})", true},
      {R"({"a": {"$gt": 5}})", R"({"a": 5})", false},
      {R"({"a": {"$gt": 5}})", R"({"a": 5.5})", true},
      {R"({"a": {"$gt": 5}})", R"({"a": {"$numberLong": "6"}})", true},
      {R"({"a": {"$gte": 5}})", R"({"a": 5.0})", true},
      {R"({"a": {"$lt": 5}})", R"({"a": 4})", true},
      {R"({"a": {"$lt": 5}})", R"({"a": 5})", false},
      {R"({"a": {"$lte": 5}})", R"({"a": 5})", true},
      // Strings are above numbers in the sort order, but $gt only looks at
      // values of the operand's type.
      {R"({"a": {"$gt": 5}})", R"({"a": "z"})", false},
      {R"({"a": {"$lt": "m"}})", R"({"a": "a"})", true},
      {R"({"a": {"$lt": "m"}})", R"({"a": 5})", false},
      {R"({"a": {"$gt": 5}})", R"({"a": null})", false},
      {R"({"a": {"$gt": 5}})", R"({})", false},
      {R"({"a": {"$lt": 5}})", R"({})", false},
      {R"({"a": {"$gt": {"$date": {"$numberLong": "1000"}}}})",
       R"({"a": {"$date": {"$numberLong": "2000"}}})", true},
      {R"({"a": {"$gt": {"$date": {"$numberLong": "1000"}}}})", R"({"a": 2000})", false},
      {R"({"a": {"$gt": {"b": 1}}})", R"({"a": {"b": 2}})", true},
      // null brackets with missing.
      {R"({"a": {"$gte": null}})", R"({})", true},
      {R"({"a": {"$lte": null}})", R"({"a": null})", true},
      {R"({"a": {"$gt": null}})", R"({})", false},
      {R"({"a": {"$gte": null}})", R"({"a": 1})", false},
      // MinKey and MaxKey operands compare across all types.
      {R"({"a": {"$gt": {"$minKey": 1}}})", R"({"a": "x"})", true},
      {R"({"a": {"$gt": {"$minKey": 1}}})", R"({"a": null})", true},
      {R"({"a": {"$lt": {"$maxKey": 1}}})", R"({"a": {}})", true},
      {R"({"a": {"$gt": {"$maxKey": 1}}})", R"({"a": 1})", false},
      // NaN only meets NaN.
      {R"({"a": {"$gt": {"$numberDouble": "NaN"}}})", R"({"a": 5})", false},
      {R"({"a": {"$lt": 5}})", R"({"a": {"$numberDouble": "NaN"}})", false},
      {R"({"a": {"$gte": {"$numberDouble": "NaN"}}})", R"({"a": {"$numberDouble": "NaN"}})", true},
      {R"({"a": {"$gt": {"$numberDouble": "NaN"}}})", R"({"a": {"$numberDouble": "NaN"}})", false},
      // Arrays: any element may satisfy each condition.
      {R"({"a": {"$gt": 5}})", R"({"a": [1, 10]})", true},
      {R"({"a": {"$lt": 5}})", R"({"a": [10, 1]})", true},
      {R"({"a": {"$gt": 50}})", R"({"a": [1, 10]})", false},
      {R"({"a": {"$gt": 1, "$lt": 3}})", R"({"a": 2})", true},
      {R"({"a": {"$gt": 1, "$lt": 3}})", R"({"a": 3})", false},
      {R"({"a": {"$gt": 1, "$lt": 3}})", R"({"a": [0, 5]})", true},
      {R"({"a": {"$gt": [1]}})", R"({"a": [2]})", true},
  };
  RUN_TABLE(cases);
}

TEST(MatcherTest, InAndNin) {
  const MatchCase cases[] = {
      {R"({"a": {"$in": [1, "x"]}})", R"({"a": 1.0})", true},
      {R"({"a": {"$in": [1, "x"]}})", R"({"a": "x"})", true},
      {R"({"a": {"$in": [1, "x"]}})", R"({"a": 2})", false},
      {R"({"a": {"$in": [1, "x"]}})", R"({})", false},
      {R"({"a": {"$in": [null]}})", R"({})", true},
      {R"({"a": {"$in": [null, 3]}})", R"({"a": null})", true},
      {R"({"a": {"$in": [1]}})", R"({"a": [0, 1]})", true},
      {R"({"a": {"$in": [[0, 1]]}})", R"({"a": [0, 1]})", true},
      {R"({"a": {"$in": []}})", R"({"a": 1})", false},
      {R"({"a": {"$in": [{"b": 1}]}})", R"({"a": {"b": 1}})", true},
      {R"({"a": {"$in": ["c", "b", "a", 3, 2, 1]}})", R"({"a": 2})", true},
      {R"({"a": {"$in": ["c", "b", "a", 3, 2, 1]}})", R"({"a": "b"})", true},
      {R"({"a": {"$in": ["c", "b", "a", 3, 2, 1]}})", R"({"a": "d"})", false},
      {R"({"a": {"$nin": [1, 2]}})", R"({"a": 3})", true},
      {R"({"a": {"$nin": [1, 2]}})", R"({"a": 2})", false},
      {R"({"a": {"$nin": [1]}})", R"({})", true},
      {R"({"a": {"$nin": [null]}})", R"({})", false},
      {R"({"a": {"$nin": [1]}})", R"({"a": [1, 2]})", false},
      {R"({"a": {"$nin": [1]}})", R"({"a": [2, 3]})", true},
      {R"({"a": {"$nin": []}})", R"({})", true},
  };
  RUN_TABLE(cases);
}

TEST(MatcherTest, Exists) {
  const MatchCase cases[] = {
      {R"({"a": {"$exists": true}})", R"({"a": 1})", true},
      {R"({"a": {"$exists": true}})", R"({"a": null})", true},
      {R"({"a": {"$exists": true}})", R"({"a": []})", true},
      {R"({"a": {"$exists": true}})", R"({})", false},
      {R"({"a": {"$exists": false}})", R"({})", true},
      {R"({"a": {"$exists": false}})", R"({"a": null})", false},
      {R"({"a": {"$exists": 0}})", R"({})", true},
      {R"({"a": {"$exists": 1}})", R"({"a": 0})", true},
      {R"({"a.b": {"$exists": true}})", R"({"a": [{"b": 1}]})", true},
      {R"({"a.b": {"$exists": true}})", R"({"a": [{"c": 1}]})", false},
      {R"({"a.b": {"$exists": true}})", R"({"a": [{"c": 1}, {"b": null}]})", true},
      {R"({"a.b": {"$exists": false}})", R"({"a": 5})", true},
  };
  RUN_TABLE(cases);
}

TEST(MatcherTest, DottedPaths) {
  const MatchCase cases[] = {
      {R"({"a.b": 1})", R"({"a": {"b": 1}})", true},
      {R"({"a.b": 1})", R"({"a": {"b": 2}})", false},
      {R"({"a.b": 1})", R"({"a": {"b": [1, 2]}})", true},
      {R"({"a.b.c": "x"})", R"({"a": {"b": {"c": "x"}}})", true},
      {R"({"fullDocument.room": "r1"})", R"({"fullDocument": {"room": "r1"}})", true},
      // Across an array of documents: any element's sub-path.
      {R"({"a.b": 1})", R"({"a": [{"b": 2}, {"b": 1}]})", true},
      {R"({"a.b": 3})", R"({"a": [{"b": 2}, {"b": 1}]})", false},
      {R"({"a.b.c": 1})", R"({"a": [{"b": [{"c": 2}, {"c": 1}]}]})", true},
      {R"({"a.b": {"$gt": 1}})", R"({"a": [{"b": 0}, {"b": 5}]})", true},
      {R"({"a.b": {"$ne": 1}})", R"({"a": [{"b": 2}, {"b": 1}]})", false},
      {R"({"a.b": {"$in": [7, 1]}})", R"({"a": [{"b": 2}, {"b": 1}]})", true},
      // Arrays nested directly in arrays are not traversed.
      {R"({"a.b": 1})", R"({"a": [[{"b": 1}]]})", false},
      // Numeric components index arrays, and name fields of documents.
      {R"({"a.1": 5})", R"({"a": [4, 5]})", true},
      {R"({"a.1": 5})", R"({"a": [5, 4]})", false},
      {R"({"a.0.b": 1})", R"({"a": [{"b": 1}]})", true},
      {R"({"a.1": 5})", R"({"a": {"1": 5}})", true},
      {R"({"a.5": null})", R"({"a": [1]})", true},
      {R"({"a.01": 5})", R"({"a": [4, 5]})", false},
      {R"({"a.0": [1, 2]})", R"({"a": [[1, 2]]})", true},
      {R"({"a.0": 1})", R"({"a": [[1, 2]]})", true},
      // Missing paths.
      {R"({"a.b": null})", R"({"a": 5})", true},
      {R"({"a.b": null})", R"({})", true},
      {R"({"a.b": null})", R"({"a": [1]})", true},
      {R"({"a.b": null})", R"({"a": [{"b": 1}]})", false},
      {R"({"a.b": 1})", R"({"a": 5})", false},
      {R"({"a.b": 1})", R"({"a": "b"})", false},
  };
  RUN_TABLE(cases);
}

TEST(MatcherTest, LogicalOperators) {
  const MatchCase cases[] = {
      {R"({"$and": [{"a": 1}, {"b": 2}]})", R"({"a": 1, "b": 2})", true},
      {R"({"$and": [{"a": 1}, {"b": 2}]})", R"({"a": 1, "b": 3})", false},
      {R"({"$or": [{"a": 1}, {"b": 2}]})", R"({"a": 0, "b": 2})", true},
      {R"({"$or": [{"a": 1}, {"b": 2}]})", R"({"a": 0, "b": 0})", false},
      {R"({"$or": [{"a": 1}]})", R"({"a": 1})", true},
      {R"({"$nor": [{"a": 1}, {"b": 2}]})", R"({"a": 0, "b": 0})", true},
      {R"({"$nor": [{"a": 1}, {"b": 2}]})", R"({"a": 1})", false},
      {R"({"$nor": [{"a": 1}]})", R"({})", true},
      // A clause with several fields is an implicit AND.
      {R"({"$or": [{"a": 1, "b": 1}, {"c": 1}]})", R"({"a": 1, "b": 0})", false},
      {R"({"$or": [{"a": 1, "b": 1}, {"c": 1}]})", R"({"a": 1, "b": 1})", true},
      // Nesting, and mixing with field conditions.
      {R"({"x": 1, "$or": [{"a": 1}, {"$and": [{"b": 1}, {"c": {"$gt": 0}}]}]})",
       R"({"x": 1, "b": 1, "c": 2})", true},
      {R"({"x": 1, "$or": [{"a": 1}, {"$and": [{"b": 1}, {"c": {"$gt": 0}}]}]})",
       R"({"x": 2, "b": 1, "c": 2})", false},
      {R"({"$comment": "ignored", "a": 1})", R"({"a": 1})", true},
      // $not negates the operators it wraps, and matches missing fields.
      {R"({"a": {"$not": {"$gt": 5}}})", R"({"a": 3})", true},
      {R"({"a": {"$not": {"$gt": 5}}})", R"({"a": 7})", false},
      {R"({"a": {"$not": {"$gt": 5}}})", R"({})", true},
      {R"({"a": {"$not": {"$gt": 1, "$lt": 5}}})", R"({"a": 3})", false},
      {R"({"a": {"$not": {"$gt": 1, "$lt": 5}}})", R"({"a": 9})", true},
  };
  RUN_TABLE(cases);
}

TEST(MatcherTest, EmptyFilterMatchesEverything) {
  auto empty = Matcher::Compile(*Doc("{}"));
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->MatchesEverything());
  EXPECT_TRUE(empty->Matches(*Doc(R"({"a": 1})")));
  EXPECT_TRUE(empty->Matches(*Doc("{}")));

  auto comment_only = Matcher::Compile(*Doc(R"({"$comment": "x"})"));
  ASSERT_TRUE(comment_only.has_value());
  EXPECT_TRUE(comment_only->MatchesEverything());

  auto some = Matcher::Compile(*Doc(R"({"a": 1})"));
  ASSERT_TRUE(some.has_value());
  EXPECT_FALSE(some->MatchesEverything());

  Matcher default_constructed;
  EXPECT_TRUE(default_constructed.MatchesEverything());
  EXPECT_TRUE(default_constructed.Matches(*Doc(R"({"a": 1})")));
}

TEST(MatcherTest, OutlivesTheFilterAndCanBeShared) {
  common::BsonPtr filter = Doc(R"({"room": {"$in": ["a", "b"]}, "n": {"$gte": 2}})");
  auto matcher = Matcher::Compile(*filter);
  ASSERT_TRUE(matcher.has_value());
  filter.reset();  // operands must not point into the caller's filter
  const Matcher copy = *matcher;
  EXPECT_TRUE(copy.Matches(*Doc(R"({"room": "b", "n": 2})")));
  EXPECT_FALSE(copy.Matches(*Doc(R"({"room": "c", "n": 2})")));
  EXPECT_FALSE(matcher->Matches(*Doc(R"({"room": "a", "n": 1})")));
}

}  // namespace
}  // namespace devmongod::query
