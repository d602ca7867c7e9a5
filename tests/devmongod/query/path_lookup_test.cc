// LookupPath: the single-value path lookup the engine uses for index keys
// and $group field paths (no implicit traversal of arrays of documents).
#include <gtest/gtest.h>

#include <string>

#include "bson_test_util.h"
#include "devmongod/query/query.h"

namespace devmongod::query {
namespace {

using testing::Doc;

// The found value as relaxed JSON ({"v": ...}), or "missing".
std::string Lookup(const char* doc_json, const char* path) {
  common::BsonPtr doc = Doc(doc_json);
  bson_iter_t found;
  if (!LookupPath(*doc, path, &found)) return "missing";
  common::BsonPtr wrapper = common::NewBson();
  bson_append_iter(wrapper.get(), "v", 1, &found);
  return testing::Json(*wrapper);
}

TEST(LookupPathTest, FindsTopLevelAndNestedFields) {
  EXPECT_EQ(Lookup(R"({"a": 1, "b": 2})", "b"), R"({ "v" : 2 })");
  EXPECT_EQ(Lookup(R"({"a": {"b": {"c": "x"}}})", "a.b.c"), R"({ "v" : "x" })");
  EXPECT_EQ(Lookup(R"({"a": {"b": [1, 2]}})", "a.b"), R"({ "v" : [ 1, 2 ] })");
  EXPECT_EQ(Lookup(R"({"": 3})", ""), R"({ "v" : 3 })");
}

TEST(LookupPathTest, IndexesArraysByPosition) {
  EXPECT_EQ(Lookup(R"({"a": [10, 20, 30]})", "a.1"), R"({ "v" : 20 })");
  EXPECT_EQ(Lookup(R"({"a": [{"b": 1}, {"b": 2}]})", "a.1.b"), R"({ "v" : 2 })");
  EXPECT_EQ(Lookup(R"({"a": [[5, 6]]})", "a.0.1"), R"({ "v" : 6 })");
  EXPECT_EQ(Lookup(R"({"a": {"1": "field"}})", "a.1"), R"({ "v" : "field" })");
}

TEST(LookupPathTest, ReportsMissing) {
  EXPECT_EQ(Lookup(R"({"a": 1})", "b"), "missing");
  EXPECT_EQ(Lookup(R"({"a": 1})", "a.b"), "missing");  // scalar mid-path
  EXPECT_EQ(Lookup(R"({"a": [10]})", "a.1"), "missing");
  EXPECT_EQ(Lookup(R"({"a": [10]})", "a.01"), "missing");
  EXPECT_EQ(Lookup(R"({"a": [10]})", "a.-1"), "missing");
  EXPECT_EQ(Lookup(R"({"a": [{"b": 1}]})", "a.b"), "missing");  // no implicit traversal
  EXPECT_EQ(Lookup(R"({"a": {"b": 1}})", "a."), "missing");
  EXPECT_EQ(Lookup(R"({"a": {"b": 1}})", "a.b.c.d"), "missing");
}

}  // namespace
}  // namespace devmongod::query
