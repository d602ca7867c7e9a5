// Matcher::Compile rejections: unknown and unsupported operators, malformed
// logical operators, the nesting limit and corrupt BSON.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bson_test_util.h"
#include "devmongod/query/query.h"

namespace devmongod::query {
namespace {

using testing::Doc;

Error CompileError(const bson_t& filter) {
  auto matcher = Matcher::Compile(filter);
  EXPECT_FALSE(matcher.has_value()) << testing::Json(filter);
  return matcher.has_value() ? Error{0, "", "compiled"} : matcher.error();
}

Error CompileError(const char* json) { return CompileError(*Doc(json)); }

TEST(MatcherErrorsTest, UnknownFieldOperator) {
  const Error e = CompileError(R"({"a": {"$foo": 1}})");
  EXPECT_EQ(e.code, 2);
  EXPECT_EQ(e.code_name, "BadValue");
  EXPECT_EQ(e.message, "unknown operator: $foo");
}

TEST(MatcherErrorsTest, NonOperatorAfterOperator) {
  EXPECT_EQ(CompileError(R"({"a": {"$gt": 1, "b": 1}})").message, "unknown operator: b");
}

TEST(MatcherErrorsTest, UnknownTopLevelOperator) {
  const Error e = CompileError(R"({"$foo": 1})");
  EXPECT_EQ(e.code, 2);
  EXPECT_EQ(e.message, "unknown top level operator: $foo");
}

TEST(MatcherErrorsTest, UnsupportedOperatorsAreBadValueWithAClearMessage) {
  for (const char* json :
       {R"({"$where": "this.a == 1"})", R"({"$text": {"$search": "x"}})", R"({"$jsonSchema": {}})",
        R"({"a": {"$bitsAllSet": 1}})", R"({"a": {"$geoWithin": {}}})",
        R"({"a": {"$near": [0, 0]}})", R"({"$expr": {"$concat": ["$a", "x"]}})"}) {
    const Error e = CompileError(json);
    EXPECT_EQ(e.code, 2) << json;
    EXPECT_NE(e.message.find("not supported"), std::string::npos) << json << ": " << e.message;
  }
}

TEST(MatcherErrorsTest, LogicalOperatorsNeedNonEmptyArraysOfDocuments) {
  for (const char* json : {R"({"$and": []})", R"({"$or": []})", R"({"$nor": []})", R"({"$and": 1})",
                           R"({"$or": {"a": 1}})", R"({"$or": [1]})",
                           R"({"$and": [{"a": 1}, "x"]})", R"({"$or": [{"a": {"$bad": 1}}]})"}) {
    EXPECT_EQ(CompileError(json).code, 2) << json;
  }
}

TEST(MatcherErrorsTest, OperandShapes) {
  EXPECT_EQ(CompileError(R"({"a": {"$in": 1}})").message, "$in needs an array");
  EXPECT_EQ(CompileError(R"({"a": {"$nin": {"x": 1}}})").message, "$nin needs an array");
  EXPECT_EQ(CompileError(R"({"a": {"$in": [{"$gt": 1}]}})").code, 2);
  EXPECT_EQ(CompileError(R"({"a": {"$not": 5}})").code, 2);
  EXPECT_EQ(CompileError(R"({"a": {"$not": {}}})").code, 2);
}

// {$and: [{$and: [ ... {a: 1} ... ]}]} nested `levels` deep. Built with
// libbson because its JSON reader stops at 100 levels.
common::BsonPtr NestedAnd(int levels) {
  common::BsonPtr doc = Doc(R"({"a": 1})");
  for (int i = 0; i < levels; ++i) {
    common::BsonPtr outer = common::NewBson();
    bson_t array;
    BSON_APPEND_ARRAY_BEGIN(outer.get(), "$and", &array);
    BSON_APPEND_DOCUMENT(&array, "0", doc.get());
    bson_append_array_end(outer.get(), &array);
    doc = std::move(outer);
  }
  return doc;
}

TEST(MatcherErrorsTest, NestingDepthIsCapped) {
  auto shallow = Matcher::Compile(*NestedAnd(90));
  ASSERT_TRUE(shallow.has_value());
  EXPECT_TRUE(shallow->Matches(*Doc(R"({"a": 1})")));
  EXPECT_FALSE(shallow->Matches(*Doc(R"({"a": 2})")));

  const Error deep = CompileError(*NestedAnd(101));
  EXPECT_EQ(deep.code, 2);
  EXPECT_NE(deep.message.find("depth"), std::string::npos);
}

TEST(MatcherErrorsTest, NotNestingIsCapped) {
  common::BsonPtr inner = Doc(R"({"$gt": 1})");
  for (int i = 0; i < 150; ++i) {
    common::BsonPtr outer = common::NewBson();
    BSON_APPEND_DOCUMENT(outer.get(), "$not", inner.get());
    inner = std::move(outer);
  }
  common::BsonPtr filter = common::NewBson();
  BSON_APPEND_DOCUMENT(filter.get(), "a", inner.get());
  EXPECT_EQ(CompileError(*filter).code, 2);
}

TEST(MatcherErrorsTest, OverlongPathsAreRejected) {
  std::string path = "a";
  for (int i = 0; i < 150; ++i) path += ".a";
  common::BsonPtr filter = common::NewBson();
  BSON_APPEND_INT32(filter.get(), path.c_str(), 1);
  EXPECT_EQ(CompileError(*filter).code, 2);
}

TEST(MatcherErrorsTest, CorruptBsonIsRejected) {
  // {a: 1} whose element claims type 0x02 (string) with a length running past
  // the end of the document.
  const std::vector<uint8_t> bytes = {12, 0, 0, 0, 0x02, 'a', 0, 100, 0, 0, 0, 0};
  bson_t filter;
  ASSERT_TRUE(bson_init_static(&filter, bytes.data(), bytes.size()));
  EXPECT_EQ(CompileError(filter).code, 2);
}

}  // namespace
}  // namespace devmongod::query
