// SortSpec: specification errors and MongoDB's sort order with missing
// fields, mixed types, arrays and several keys.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "bson_test_util.h"
#include "devmongod/query/query.h"

namespace devmongod::query {
namespace {

using testing::Doc;

// Sorts the documents (given in JSON) with `spec` after shuffling them, and
// returns the value of their "id" fields in the resulting order.
std::vector<int> SortedIds(const char* spec_json, const std::vector<std::string>& docs,
                           unsigned seed = 1) {
  auto spec = SortSpec::Compile(*Doc(spec_json));
  EXPECT_TRUE(spec.has_value()) << spec_json;
  if (!spec) return {};
  std::vector<common::BsonPtr> owned;
  for (const std::string& json : docs) owned.push_back(Doc(json));
  std::vector<const bson_t*> order;
  for (const common::BsonPtr& d : owned) order.push_back(d.get());
  std::shuffle(order.begin(), order.end(), std::mt19937(seed));
  std::sort(order.begin(), order.end(),
            [&](const bson_t* a, const bson_t* b) { return spec->Less(*a, *b); });
  std::vector<int> ids;
  for (const bson_t* d : order) {
    bson_iter_t iter;
    ids.push_back(bson_iter_init_find(&iter, d, "id") ? bson_iter_int32(&iter) : -1);
  }
  return ids;
}

TEST(SortSpecTest, CompileAcceptsOneAndMinusOneOfAnyNumericType) {
  for (const char* json : {R"({"a": 1})", R"({"a": -1})", R"({"a": 1.0, "b": -1.0})",
                           R"({"a": {"$numberLong": "-1"}})", R"({"a.b": 1})"}) {
    auto spec = SortSpec::Compile(*Doc(json));
    ASSERT_TRUE(spec.has_value()) << json;
    EXPECT_FALSE(spec->empty());
  }
  auto empty = SortSpec::Compile(*Doc("{}"));
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

TEST(SortSpecTest, CompileRejectsOtherValues) {
  for (const char* json : {R"({"a": 0})", R"({"a": 2})", R"({"a": "asc"})", R"({"a": 1.5})",
                           R"({"a": true})", R"({"a": null})", R"({"a": {"$meta": "textScore"}})",
                           R"({"$a": 1})", R"({"": 1})", R"({"a": 1, "b": 0})"}) {
    auto spec = SortSpec::Compile(*Doc(json));
    ASSERT_FALSE(spec.has_value()) << json;
    EXPECT_EQ(spec.error().code, 2);
    EXPECT_EQ(spec.error().message.rfind("bad sort specification", 0), 0u) << spec.error().message;
  }
}

const std::vector<std::string> kMixed = {
    R"({"id": 0, "a": "x"})",
    R"({"id": 1, "a": 2})",
    R"({"id": 2})",
    R"({"id": 3, "a": {"k": 1}})",
    R"({"id": 4, "a": 1.5})",
    R"({"id": 5, "a": {"$minKey": 1}})",
    R"({"id": 6, "a": true})",
    R"({"id": 7, "a": []})",
    R"({"id": 8, "a": {"$numberLong": "-3"}})",
};

TEST(SortSpecTest, AscendingUsesTheCanonicalTypeOrder) {
  // MinKey < [] < missing < numbers < strings < objects < booleans.
  EXPECT_EQ(SortedIds(R"({"a": 1})", kMixed), (std::vector<int>{5, 7, 2, 8, 4, 1, 0, 3, 6}));
}

TEST(SortSpecTest, Descending) {
  EXPECT_EQ(SortedIds(R"({"a": -1})", kMixed), (std::vector<int>{6, 3, 0, 1, 4, 8, 2, 7, 5}));
}

TEST(SortSpecTest, MissingSortsLikeNull) {
  auto spec = SortSpec::Compile(*Doc(R"({"a": 1})"));
  ASSERT_TRUE(spec.has_value());
  common::BsonPtr missing = Doc(R"({"b": 1})");
  common::BsonPtr null = Doc(R"({"a": null})");
  EXPECT_FALSE(spec->Less(*missing, *null));
  EXPECT_FALSE(spec->Less(*null, *missing));
  EXPECT_TRUE(spec->Less(*null, *Doc(R"({"a": -100})")));
}

TEST(SortSpecTest, ArraysUseTheirSmallestOrLargestElement) {
  const std::vector<std::string> docs = {
      R"({"id": 0, "a": [5, 1]})",
      R"({"id": 1, "a": 3})",
      R"({"id": 2, "a": [4]})",
  };
  // Ascending keys: 1, 3, 4. Descending keys: 5, 3, 4.
  EXPECT_EQ(SortedIds(R"({"a": 1})", docs), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(SortedIds(R"({"a": -1})", docs), (std::vector<int>{0, 2, 1}));
}

TEST(SortSpecTest, TwoKeys) {
  const std::vector<std::string> docs = {
      R"({"id": 0, "room": "b", "ts": 1})",
      R"({"id": 1, "room": "a", "ts": 1})",
      R"({"id": 2, "room": "b", "ts": 3})",
      R"({"id": 3, "room": "a", "ts": 2})",
      R"({"id": 4, "ts": 9})",
  };
  EXPECT_EQ(SortedIds(R"({"room": 1, "ts": -1})", docs), (std::vector<int>{4, 3, 1, 2, 0}));
  EXPECT_EQ(SortedIds(R"({"ts": 1, "room": -1})", docs), (std::vector<int>{0, 1, 3, 2, 4}));
}

TEST(SortSpecTest, DottedPaths) {
  const std::vector<std::string> docs = {
      R"({"id": 0, "b": {"c": 3}})",
      R"({"id": 1, "b": {"c": 1}})",
      R"({"id": 2, "b": 7})",
      R"({"id": 3, "b": [{"c": 9}, {"c": 2}]})",
  };
  // Keys: 3, 1, missing(null), min(9, 2) = 2.
  EXPECT_EQ(SortedIds(R"({"b.c": 1})", docs), (std::vector<int>{2, 1, 3, 0}));
}

TEST(SortSpecTest, LessIsAStrictWeakOrder) {
  auto spec = SortSpec::Compile(*Doc(R"({"a": 1, "b": -1})"));
  ASSERT_TRUE(spec.has_value());
  std::vector<common::BsonPtr> docs;
  for (const char* json : {R"({"a": 1, "b": 1})", R"({"a": 1, "b": 2})", R"({"a": 1.0, "b": 2})",
                           R"({"b": 1})", R"({"a": null})", R"({"a": [3, 1], "b": "x"})",
                           R"({"a": []})", R"({"a": "s"})", R"({"a": {"$numberDouble": "NaN"}})"}) {
    docs.push_back(Doc(json));
  }
  for (const auto& x : docs) {
    EXPECT_FALSE(spec->Less(*x, *x));
    for (const auto& y : docs) {
      if (spec->Less(*x, *y)) {
        EXPECT_FALSE(spec->Less(*y, *x));
      }
      for (const auto& z : docs) {
        if (spec->Less(*x, *y) && spec->Less(*y, *z)) {
          EXPECT_TRUE(spec->Less(*x, *z));
        }
        // Incomparability is transitive.
        const bool xy = !spec->Less(*x, *y) && !spec->Less(*y, *x);
        const bool yz = !spec->Less(*y, *z) && !spec->Less(*z, *y);
        if (xy && yz) {
          EXPECT_TRUE(!spec->Less(*x, *z) && !spec->Less(*z, *x));
        }
      }
    }
  }
}

}  // namespace
}  // namespace devmongod::query
