// The per-document stages ($project with computed fields, $addFields/$set,
// $unset, $replaceRoot/$replaceWith, $redact) and the expressions they
// evaluate, through RunPipeline, with MongoDB's results.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bson_test_util.h"
#include "pipeline_fixture.h"

namespace devmongod::query {
namespace {

using DocumentStageTest = PipelineTest;

TEST_F(DocumentStageTest, AddFieldsEvaluatesAgainstTheInputThenSetsInOrder) {
  SetDocs({R"({"_id": 1, "a": 1, "b": {"c": 2}})"});
  // b is replaced in place, x appended; "y" sees the input's a, not x.
  EXPECT_EQ(RunToJson(R"([{"$addFields": {"b": "$a", "x": {"$literal": "$a"}, "y": "$a"}}])"),
            Canonical({R"({"_id": 1, "a": 1, "b": 1, "x": "$a", "y": 1})"}));
  EXPECT_EQ(RunToJson(R"([{"$set": {"b.d": 3, "n.m": true}}])"),
            Canonical({R"({"_id": 1, "a": 1, "b": {"c": 2, "d": 3}, "n": {"m": true}})"}));
  // A missing value removes the field; $$REMOVE too.
  EXPECT_EQ(RunToJson(R"([{"$addFields": {"a": "$nothing", "b": "$$REMOVE"}}])"),
            Canonical({R"({"_id": 1})"}));
}

TEST_F(DocumentStageTest, AddFieldsThroughArraysAndScalars) {
  SetDocs({R"({"a": [{"x": 1}, 2, [{"x": 3}]], "s": 5})"});
  EXPECT_EQ(RunToJson(R"([{"$addFields": {"a.y": 0, "s.t": 1}}])"),
            Canonical({R"({"a": [{"x": 1, "y": 0}, {"y": 0}, [{"x": 3, "y": 0}]],
                           "s": {"t": 1}})"}));
}

TEST_F(DocumentStageTest, FieldPathsOverArraysCollectValues) {
  SetDocs({R"({"_id": 1, "a": [{"b": 1}, {"c": 0}, 7, {"b": [2, 3]}, [{"b": 4}]]})"});
  EXPECT_EQ(RunToJson(R"([{"$project": {"_id": 0, "v": "$a.b"}}])"),
            Canonical({R"({"v": [1, [2, 3], [4]]})"}));
}

TEST_F(DocumentStageTest, ProjectMixesInclusionAndComputedFields) {
  SetDocs({R"({"_id": 1, "a": 1, "b": 2, "c": {"d": 4, "e": 5}})"});
  EXPECT_EQ(RunToJson(R"([{"$project": {"x": "$c.d", "a": 1}}])"),
            Canonical({R"({"_id": 1, "a": 1, "x": 4})"}));
  EXPECT_EQ(RunToJson(R"([{"$project": {"_id": 0, "x": {"$eq": ["$a", 1]}}}])"),
            Canonical({R"({"x": true})"}));
  EXPECT_EQ(RunToJson(R"([{"$project": {"only": "$b"}}])"),
            Canonical({R"({"_id": 1, "only": 2})"}));
  EXPECT_EQ(RunToJson(R"([{"$project": {"c.e": 0, "b": false}}])"),
            Canonical({R"({"_id": 1, "a": 1, "c": {"d": 4}})"}));
  EXPECT_EQ(RunToJson(R"([{"$project": {"a": 0, "x": "$b"}}])")[0].substr(0, 12), "error 31252:");
}

TEST_F(DocumentStageTest, UnsetRemovesFields) {
  SetDocs({R"({"_id": 1, "a": 1, "b": {"c": 2, "d": 3}})"});
  EXPECT_EQ(RunToJson(R"([{"$unset": ["a", "b.c"]}])"),
            Canonical({R"({"_id": 1, "b": {"d": 3}})"}));
  EXPECT_EQ(RunToJson(R"([{"$unset": "_id"}])"), Canonical({R"({"a": 1, "b": {"c": 2, "d": 3}})"}));
  EXPECT_EQ(RunToJson(R"([{"$unset": []}])")[0].substr(0, 12), "error 31119:");
  EXPECT_EQ(RunToJson(R"([{"$unset": [1]}])")[0].substr(0, 12), "error 31120:");
}

TEST_F(DocumentStageTest, ReplaceRootAndReplaceWith) {
  SetDocs({R"({"_id": 1, "doc": {"k": "v"}, "n": 3})"});
  EXPECT_EQ(RunToJson(R"([{"$replaceRoot": {"newRoot": "$doc"}}])"), Canonical({R"({"k": "v"})"}));
  EXPECT_EQ(RunToJson(R"([{"$replaceWith": {"id": "$_id", "both": ["$n", "$none"]}}])"),
            Canonical({R"({"id": 1, "both": [3, null]})"}));
  EXPECT_EQ(RunToJson(R"([{"$replaceWith": "$n"}])")[0].substr(0, 12), "error 40228:");
  EXPECT_EQ(RunToJson(R"([{"$replaceRoot": {"newRoot": "$missing"}}])")[0].substr(0, 12),
            "error 40228:");
  EXPECT_EQ(RunToJson(R"([{"$replaceRoot": {}}])")[0].substr(0, 12), "error 40231:");
}

TEST_F(DocumentStageTest, RedactKeepsPrunesAndDescends) {
  SetDocs({R"({"_id": 1, "level": 1, "sub": {"level": 5, "x": 1},
               "list": [{"level": 2}, {"level": 9}, 4]})",
           R"({"_id": 2, "level": 7})"});
  EXPECT_EQ(RunToJson(R"([{"$redact": {"$cond": {"if": {"$lte": ["$level", 3]},
                                                   "then": "$$DESCEND", "else": "$$PRUNE"}}}])"),
            Canonical({R"({"_id": 1, "level": 1, "list": [{"level": 2}, 4]})"}));
  EXPECT_EQ(RunToJson(R"([{"$redact": "$$KEEP"}])").size(), 2u);
  EXPECT_EQ(RunToJson(R"([{"$redact": "$level"}])")[0].substr(0, 12), "error 17053:");
}

TEST_F(DocumentStageTest, ComparisonsUseTheTotalOrderAndMissingIsNotNull) {
  SetDocs({R"({"_id": 1, "n": 5, "s": "a", "z": null})"});
  EXPECT_EQ(RunToJson(R"([{"$project": {"_id": 0,
      "gt": {"$gt": ["$s", "$n"]}, "eqNull": {"$eq": ["$none", null]}, "zNull": {"$eq": ["$z", null]},
      "ltNull": {"$lt": ["$none", null]}, "cmp": {"$cmp": ["$n", 7]}, "ne": {"$ne": ["$n", 5.0]},
      "and": {"$and": [1, "$s"]}, "or": {"$or": [0, "$none"]}, "not": {"$not": ["$z"]},
      "cond": {"$cond": [{"$gte": ["$n", 5]}, "big", "small"]}, "ifNull": {"$ifNull": ["$none", "$z", 9]}}}])"),
            Canonical({R"({"gt": true, "eqNull": false, "zNull": true, "ltNull": true, "cmp": -1,
                           "ne": false, "and": true, "or": false, "not": true, "cond": "big",
                           "ifNull": 9})"}));
  EXPECT_EQ(
      RunToJson(
          R"([{"$addFields": {"r": "$$ROOT.n", "c": "$$CURRENT.s"}}, {"$project": {"_id": 0, "r": 1, "c": 1}}])"),
      Canonical({R"({"r": 5, "c": "a"})"}));
}

TEST_F(DocumentStageTest, ExpressionErrorsNameTheOperator) {
  SetDocs({R"({"a": 1})"});
  auto first = [&](const char* pipeline) { return RunToJson(pipeline)[0]; };
  EXPECT_EQ(first(R"([{"$addFields": {"x": {"$nosuch": 1}}}])"),
            "error 168: Unrecognized expression '$nosuch'");
  EXPECT_EQ(first(R"([{"$addFields": {"x": {"$concat": ["a", "b"]}}}])"),
            "error 2: expression $concat is not supported by devmongod");
  EXPECT_EQ(first(R"([{"$addFields": {"x": {"$eq": [1]}}}])").substr(0, 12), "error 16020:");
  EXPECT_EQ(first(R"([{"$addFields": {"x": {"$eq": [1, 2], "$ne": [1, 2]}}}])").substr(0, 12),
            "error 15983:");
  EXPECT_EQ(first(R"([{"$addFields": {"x": "$$nope"}}])").substr(0, 12), "error 17276:");
  EXPECT_EQ(first(R"([{"$addFields": {"x": "$"}}])").substr(0, 12), "error 16872:");
  EXPECT_EQ(first(R"([{"$addFields": {"x": {"$cond": {"if": true, "then": 1}}}}])").substr(0, 12),
            "error 17082:");
  EXPECT_EQ(first(R"([{"$addFields": {}}])").substr(0, 12), "error 40177:");
  EXPECT_EQ(first(R"([{"$project": {"a": {"b": 1}}}])").substr(0, 8), "error 2:");
}

TEST_F(DocumentStageTest, KnownButUnsupportedStagesAreNamed) {
  SetDocs({R"({"a": 1})"});
  EXPECT_EQ(RunToJson(R"([{"$unwind": "$a"}])")[0],
            "error 2: the $unwind stage is not supported by devmongod");
  EXPECT_EQ(RunToJson(R"([{"$nosuch": 1}])")[0].substr(0, 12), "error 40324:");
}

}  // namespace
}  // namespace devmongod::query
