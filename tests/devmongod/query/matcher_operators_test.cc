// $type, $regex (and regex literals, in $in and under $not), $expr, $mod,
// $all, $elemMatch and $size: truth tables with MongoDB's answers, and the
// errors for malformed operands.
#include <gtest/gtest.h>

#include <string>

#include "bson_test_util.h"
#include "devmongod/query/query.h"

namespace devmongod::query {
namespace {

// libbson's JSON reader takes {"%type": ...}, {"%regex": ...} and
// {"%options": ...} for legacy extended JSON, so the tables spell those
// operators with '%' and this puts the '$' back (keys only).
common::BsonPtr Renamed(const bson_t& in) {
  common::BsonPtr out = common::NewBson();
  bson_iter_t it;
  bson_iter_init(&it, &in);
  while (bson_iter_next(&it)) {
    std::string key = bson_iter_key(&it);
    if (!key.empty() && key[0] == '%') key[0] = '$';
    if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
        bson_iter_document(&it, &len, &data);
      } else {
        bson_iter_array(&it, &len, &data);
      }
      bson_t child;
      bson_init_static(&child, data, len);
      common::BsonPtr renamed = Renamed(child);
      if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
        bson_append_document(out.get(), key.c_str(), -1, renamed.get());
      } else {
        bson_append_array(out.get(), key.c_str(), -1, renamed.get());
      }
    } else {
      bson_append_iter(out.get(), key.c_str(), -1, &it);
    }
  }
  return out;
}

common::BsonPtr Doc(const char* json) { return Renamed(*testing::Doc(json)); }

struct MatchCase {
  const char* filter;
  const char* doc;
  bool expected;
};

void Check(std::initializer_list<MatchCase> cases) {
  for (const MatchCase& c : cases) {
    auto matcher = Matcher::Compile(*Doc(c.filter));
    ASSERT_TRUE(matcher.has_value()) << c.filter << ": " << matcher.error().message;
    EXPECT_EQ(matcher->Matches(*Doc(c.doc)), c.expected) << c.filter << " on " << c.doc;
  }
}

Error CompileError(const char* json) {
  auto matcher = Matcher::Compile(*Doc(json));
  EXPECT_FALSE(matcher.has_value()) << json;
  return matcher.has_value() ? Error{0, "", "compiled"} : matcher.error();
}

TEST(MatcherOperatorsTest, Type) {
  Check({
      {R"({"a": {"%type": "string"}})", R"({"a": "x"})", true},
      {R"({"a": {"%type": 2}})", R"({"a": "x"})", true},
      {R"({"a": {"%type": 2.0}})", R"({"a": 1})", false},
      {R"({"a": {"%type": "int"}})", R"({"a": 1})", true},
      {R"({"a": {"%type": "long"}})", R"({"a": 1})", false},
      {R"({"a": {"%type": "number"}})", R"({"a": {"$numberDecimal": "1.5"}})", true},
      {R"({"a": {"%type": "number"}})", R"({"a": "1"})", false},
      {R"({"a": {"%type": ["bool", "null"]}})", R"({"a": null})", true},
      {R"({"a": {"%type": "null"}})", R"({})", false},
      // Arrays: the array itself is "array", and its elements are tested too.
      {R"({"a": {"%type": "array"}})", R"({"a": []})", true},
      {R"({"a": {"%type": "string"}})", R"({"a": [1, "x"]})", true},
      {R"({"a": {"%type": "object"}})", R"({"a": {"b": 1}})", true},
      {R"({"a": {"%type": "minKey"}})", R"({"a": {"$minKey": 1}})", true},
      {R"({"a": {"%type": -1}})", R"({"a": {"$minKey": 1}})", true},
      {R"({"a": {"%type": 127}})", R"({"a": {"$maxKey": 1}})", true},
      {R"({"a.b": {"%type": "date"}})", R"({"a": [{"b": {"$date": "2024-01-01T00:00:00Z"}}]})",
       true},
  });
  EXPECT_EQ(CompileError(R"({"a": {"%type": "text"}})").message, "Unknown type name alias: text");
  EXPECT_EQ(CompileError(R"({"a": {"%type": 99}})").code, 2);
  EXPECT_EQ(CompileError(R"({"a": {"%type": 2.5}})").code, 2);
  EXPECT_EQ(CompileError(R"({"a": {"%type": []}})").code, 9);
  EXPECT_EQ(CompileError(R"({"a": {"%type": {}}})").code, 14);
}

TEST(MatcherOperatorsTest, Regex) {
  Check({
      {R"({"a": {"%regex": "^ab"}})", R"({"a": "abc"})", true},
      {R"({"a": {"%regex": "^ab"}})", R"({"a": "cab"})", false},
      {R"({"a": {"%regex": "b"}})", R"({"a": "cab"})", true},  // not anchored
      {R"({"a": {"%regex": "^AB", "%options": "i"}})", R"({"a": "abc"})", true},
      {R"({"a": {"%options": "i", "%regex": "^AB"}})", R"({"a": "abc"})", true},
      {R"({"a": {"%regex": "^b", "%options": "m"}})", R"({"a": "a\nb"})", true},
      {R"({"a": {"%regex": "^b"}})", R"({"a": "a\nb"})", false},
      {R"({"a": {"%regex": "a.b", "%options": "s"}})", R"({"a": "a\nb"})", true},
      {R"({"a": {"%regex": "a.b"}})", R"({"a": "a\nb"})", false},
      {R"({"a": {"%regex": "a b # comment", "%options": "x"}})", R"({"a": "ab"})", true},
      // PCRE syntax: lookahead, \d, and UTF-8 code points as characters.
      {R"({"a": {"%regex": "^(?=.*\\d)x"}})", R"({"a": "x1"})", true},
      {R"({"a": {"%regex": "^.$"}})", R"({"a": "é"})", true},
      {R"({"a": {"%regex": "É", "%options": "i"}})", R"({"a": "é"})", true},
      // BSON regex values: as a field's value, with their own flags.
      {R"({"a": {"$regularExpression": {"pattern": "^x", "options": "i"}}})", R"({"a": "Xy"})",
       true},
      {R"({"a": {"%regex": {"$regularExpression": {"pattern": "^x", "options": ""}}}})",
       R"({"a": "xy"})", true},
      // Only strings (and symbols) match; arrays element-wise; missing never.
      {R"({"a": {"%regex": "1"}})", R"({"a": 1})", false},
      {R"({"a": {"%regex": "^b"}})", R"({"a": ["a", "bc"]})", true},
      {R"({"a": {"%regex": ".*"}})", R"({})", false},
      // A stored regex matches an equal regex literal.
      {R"({"a": {"$regularExpression": {"pattern": "^x", "options": ""}}})",
       R"({"a": {"$regularExpression": {"pattern": "^x", "options": ""}}})", true},
      // In $in / $nin and under $not.
      {R"({"a": {"$in": [{"$regularExpression": {"pattern": "^b", "options": ""}}, 5]}})",
       R"({"a": "bee"})", true},
      {R"({"a": {"$in": [{"$regularExpression": {"pattern": "^b", "options": ""}}, 5]}})",
       R"({"a": 5})", true},
      {R"({"a": {"$nin": [{"$regularExpression": {"pattern": "^b", "options": ""}}]}})",
       R"({"a": "bee"})", false},
      {R"({"a": {"$not": {"$regularExpression": {"pattern": "^b", "options": ""}}}})",
       R"({"a": "cee"})", true},
      {R"({"a": {"$not": {"%regex": "^b"}}})", R"({})", true},
  });
  EXPECT_EQ(CompileError(R"({"a": {"%regex": "x", "%options": "g"}})").code, 51108);
  EXPECT_EQ(CompileError(R"({"a": {"%regex": "("}})").code, 51091);
  EXPECT_EQ(CompileError(R"({"a": {"%regex": 5}})").message, "$regex has to be a string");
  EXPECT_EQ(CompileError(R"({"a": {"%options": "i"}})").message, "$options needs a $regex");
  EXPECT_EQ(CompileError(R"({"a": {"%regex": {"$regularExpression": {"pattern": "x",
                             "options": "i"}}, "%options": "m"}})")
                .code,
            51075);
  EXPECT_EQ(CompileError(R"({"a": {"$gt": {"$regularExpression": {"pattern": "x",
                             "options": ""}}}})")
                .code,
            2);
}

TEST(MatcherOperatorsTest, Expr) {
  Check({
      {R"({"$expr": {"$gt": ["$spent", "$budget"]}})", R"({"spent": 5, "budget": 3})", true},
      {R"({"$expr": {"$gt": ["$spent", "$budget"]}})", R"({"spent": 1, "budget": 3})", false},
      {R"({"$expr": {"$eq": ["$a", null]}})", R"({})", false},
      {R"({"$expr": {"$eq": ["$a", null]}})", R"({"a": null})", true},
      {R"({"$expr": {"$and": [{"$gte": ["$n", 1]}, {"$lte": ["$n", 3]}]}})", R"({"n": 2})", true},
      {R"({"$expr": {"$or": [{"$lt": ["$n", 1]}, {"$ne": ["$n", 2]}]}})", R"({"n": 2})", false},
      {R"({"$expr": {"$not": [{"$eq": ["$n", 2]}]}})", R"({"n": 3})", true},
      {R"({"$expr": "$flag"})", R"({"flag": 0})", false},
      {R"({"$expr": "$flag"})", R"({"flag": "yes"})", true},
      {R"({"$expr": {"$eq": ["$a.b", [1, 2]]}})", R"({"a": [{"b": 1}, {"b": 2}]})", true},
      {R"({"x": 1, "$expr": {"$lt": ["$x", "$y"]}})", R"({"x": 1, "y": 2})", true},
      {R"({"$or": [{"$expr": {"$eq": ["$x", 5]}}, {"y": 1}]})", R"({"x": 5})", true},
  });
  EXPECT_EQ(CompileError(R"({"$expr": {"$bogus": 1}})").code, 168);
  EXPECT_EQ(CompileError(R"({"a": {"$elemMatch": {"$expr": {"$eq": ["$b", 1]}}}})").code, 2);
}

TEST(MatcherOperatorsTest, Mod) {
  Check({
      {R"({"a": {"$mod": [4, 1]}})", R"({"a": 9})", true},
      {R"({"a": {"$mod": [4, 1]}})", R"({"a": 10})", false},
      {R"({"a": {"$mod": [4, 1]}})", R"({"a": 9.9})", true},  // truncated
      {R"({"a": {"$mod": [4, -1]}})", R"({"a": -9})", true},
      {R"({"a": {"$mod": [4, 0]}})", R"({"a": "8"})", false},
      {R"({"a": {"$mod": [4, 0]}})", R"({})", false},
      {R"({"a": {"$mod": [2, 0]}})", R"({"a": [1, 3, 4]})", true},
      {R"({"a": {"$mod": [-1, 0]}})", R"({"a": {"$numberLong": "-9223372036854775808"}})", true},
  });
  EXPECT_EQ(CompileError(R"({"a": {"$mod": 4}})").message, "malformed mod, needs to be an array");
  EXPECT_EQ(CompileError(R"({"a": {"$mod": [4]}})").message, "malformed mod, not enough elements");
  EXPECT_EQ(CompileError(R"({"a": {"$mod": [4, 1, 2]}})").message,
            "malformed mod, too many elements");
  EXPECT_EQ(CompileError(R"({"a": {"$mod": ["4", 1]}})").code, 2);
  EXPECT_EQ(CompileError(R"({"a": {"$mod": [0, 1]}})").message, "divisor cannot be 0");
}

TEST(MatcherOperatorsTest, AllAndSize) {
  Check({
      {R"({"tags": {"$all": ["a", "b"]}})", R"({"tags": ["b", "c", "a"]})", true},
      {R"({"tags": {"$all": ["a", "b"]}})", R"({"tags": ["a"]})", false},
      {R"({"tags": {"$all": ["a"]}})", R"({"tags": "a"})", true},
      {R"({"tags": {"$all": []}})", R"({"tags": ["a"]})", false},
      {R"({"tags": {"$all": [["a", "b"]]}})", R"({"tags": [["a", "b"], "c"]})", true},
      {R"({"tags": {"$all": [{"$regularExpression": {"pattern": "^x", "options": ""}}, "y"]}})",
       R"({"tags": ["xa", "y"]})", true},
      {R"({"a": {"$all": [{"$elemMatch": {"b": 1}}, {"$elemMatch": {"b": 2}}]}})",
       R"({"a": [{"b": 1}, {"b": 2}]})", true},
      {R"({"a": {"$size": 2}})", R"({"a": [1, [2, 3]]})", true},
      {R"({"a": {"$size": 2}})", R"({"a": [1]})", false},
      {R"({"a": {"$size": 0}})", R"({"a": []})", true},
      {R"({"a": {"$size": 0}})", R"({})", false},
      {R"({"a": {"$size": 1}})", R"({"a": "x"})", false},
      {R"({"a": {"$size": 2}})", R"({"a": [[1, 2]]})", false},  // only the array itself
      {R"({"a.b": {"$size": 1}})", R"({"a": [{"b": [1]}, {"b": []}]})", true},
  });
  EXPECT_EQ(CompileError(R"({"a": {"$all": 1}})").message, "$all needs an array");
  EXPECT_EQ(CompileError(R"({"a": {"$all": [{"$gt": 1}]}})").message, "no $ expressions in $all");
  EXPECT_EQ(CompileError(R"({"a": {"$size": -1}})").message, "$size may not be negative");
  EXPECT_EQ(CompileError(R"({"a": {"$size": 1.5}})").message, "$size must be a whole number");
  EXPECT_EQ(CompileError(R"({"a": {"$size": "1"}})").message, "$size needs a number");
}

TEST(MatcherOperatorsTest, ElemMatch) {
  Check({
      // Object form: one element satisfies every condition.
      {R"({"a": {"$elemMatch": {"b": 1, "c": {"$gt": 2}}}})", R"({"a": [{"b": 1, "c": 3}]})", true},
      {R"({"a": {"$elemMatch": {"b": 1, "c": {"$gt": 2}}}})",
       R"({"a": [{"b": 1, "c": 1}, {"b": 2, "c": 3}]})", false},
      {R"({"a": {"$elemMatch": {"b": 1}}})", R"({"a": {"b": 1}})", false},  // not an array
      {R"({"a": {"$elemMatch": {"$or": [{"b": 1}, {"c": 1}]}}})", R"({"a": [{"c": 1}]})", true},
      // Value form: one element satisfies every operator.
      {R"({"a": {"$elemMatch": {"$gt": 1, "$lt": 5}}})", R"({"a": [0, 3, 9]})", true},
      {R"({"a": {"$elemMatch": {"$gt": 1, "$lt": 5}}})", R"({"a": [0, 9]})", false},
      {R"({"a": {"$elemMatch": {"%regex": "^x"}}})", R"({"a": ["y", "xz"]})", true},
      {R"({"a": {"$elemMatch": {"$elemMatch": {"$eq": 2}}}})", R"({"a": [[1], [2]]})", true},
      {R"({"a": {"$elemMatch": {"$not": {"$gt": 1}}}})", R"({"a": [5, 1]})", true},
      {R"({"a.b": {"$elemMatch": {"$eq": 2}}})", R"({"a": [{"b": [1]}, {"b": [2]}]})", true},
  });
  EXPECT_EQ(CompileError(R"({"a": {"$elemMatch": 1}})").message, "$elemMatch needs an Object");
}

}  // namespace
}  // namespace devmongod::query
