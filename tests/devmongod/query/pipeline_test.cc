// RunPipeline: every supported stage, the countDocuments shape drivers send,
// $group result types, and the stage errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bson_test_util.h"
#include "devmongod/query/query.h"
#include "pipeline_fixture.h"

namespace devmongod::query {
namespace {

using testing::CanonicalJson;
using testing::Doc;

TEST_F(PipelineTest, CountDocumentsShape) {
  SetDocs({R"({"_id": 1, "x": 1})", R"({"_id": 2, "x": 2})", R"({"_id": 3, "x": 3})",
           R"({"_id": 4, "x": 4})", R"({"_id": 5, "x": 5})"});
  EXPECT_EQ(RunToJson(R"([{"$match": {"x": {"$gt": 1}}}, {"$skip": 1}, {"$limit": 2},
                          {"$group": {"_id": 1, "n": {"$sum": 1}}}])"),
            Canonical({R"({"_id": 1, "n": 2})"}));
  EXPECT_EQ(RunToJson(R"([{"$match": {}}, {"$group": {"_id": 1, "n": {"$sum": 1}}}])"),
            Canonical({R"({"_id": 1, "n": 5})"}));
  // Drivers send $skip/$limit as int64 sometimes.
  EXPECT_EQ(RunToJson(R"([{"$match": {}}, {"$skip": {"$numberLong": "3"}},
                          {"$limit": {"$numberLong": "10"}},
                          {"$group": {"_id": 1, "n": {"$sum": 1}}}])"),
            Canonical({R"({"_id": 1, "n": 2})"}));
  // No matching document: no output at all (drivers read that as 0).
  EXPECT_EQ(RunToJson(R"([{"$match": {"x": 99}}, {"$group": {"_id": 1, "n": {"$sum": 1}}}])"),
            std::vector<std::string>{});
}

TEST_F(PipelineTest, EmptyPipelineCopiesTheInput) {
  SetDocs({R"({"a": 1})", R"({"a": 2})"});
  EXPECT_EQ(RunToJson("[]"), Canonical({R"({"a": 1})", R"({"a": 2})"}));
}

TEST_F(PipelineTest, OutputIsOwned) {
  SetDocs({R"({"a": 1, "b": "x"})"});
  auto result = Run(R"([{"$match": {"a": 1}}])");
  ASSERT_TRUE(result.has_value());
  owned_.clear();  // the input goes away; the output must not point into it
  views_.clear();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ(CanonicalJson(*(*result)[0]), CanonicalJson(R"({"a": 1, "b": "x"})"));
}

TEST_F(PipelineTest, SortIsStableAndCombinesWithSkipLimitProject) {
  SetDocs({R"({"_id": 1, "k": 2, "v": "a"})", R"({"_id": 2, "k": 1, "v": "b"})",
           R"({"_id": 3, "k": 2, "v": "c"})", R"({"_id": 4, "k": 1, "v": "d"})",
           R"({"_id": 5, "v": "e"})"});
  EXPECT_EQ(RunToJson(R"([{"$sort": {"k": 1}}, {"$project": {"v": 1, "_id": 0}}])"),
            Canonical({R"({"v": "e"})", R"({"v": "b"})", R"({"v": "d"})", R"({"v": "a"})",
                       R"({"v": "c"})"}));
  EXPECT_EQ(RunToJson(R"([{"$sort": {"k": -1}}, {"$skip": 1}, {"$limit": 2},
                          {"$project": {"k": 0}}])"),
            Canonical({R"({"_id": 3, "v": "c"})", R"({"_id": 2, "v": "b"})"}));
  EXPECT_EQ(RunToJson(R"([{"$skip": 10}])"), std::vector<std::string>{});
  EXPECT_EQ(RunToJson(R"([{"$limit": 2.0}, {"$project": {"_id": 1}}])"),
            Canonical({R"({"_id": 1})", R"({"_id": 2})"}));
}

TEST_F(PipelineTest, Count) {
  SetDocs({R"({"a": 1})", R"({"a": 2})", R"({"a": 3})"});
  EXPECT_EQ(RunToJson(R"([{"$match": {"a": {"$gte": 2}}}, {"$count": "total"}])"),
            Canonical({R"({"total": 2})"}));
  EXPECT_EQ(RunToJson(R"([{"$match": {"a": 7}}, {"$count": "total"}])"),
            std::vector<std::string>{});
}

TEST_F(PipelineTest, GroupByField) {
  SetDocs({R"({"room": "a", "v": 1, "t": "x"})", R"({"room": "b", "v": 10, "t": "y"})",
           R"({"room": "a", "v": 2.5, "t": "z"})", R"({"v": 7})", R"({"room": "a", "t": "w"})",
           R"({"room": null, "v": 1})"});
  EXPECT_EQ(RunToJson(R"([{"$group": {"_id": "$room", "n": {"$sum": 1}, "total": {"$sum": "$v"},
                                      "lo": {"$min": "$v"}, "hi": {"$max": "$v"},
                                      "first": {"$first": "$t"}, "last": {"$last": "$t"}}}])"),
            Canonical({
                R"({"_id": "a", "n": 3, "total": 3.5, "lo": 1, "hi": 2.5, "first": "x",
                    "last": "w"})",
                R"({"_id": "b", "n": 1, "total": 10, "lo": 10, "hi": 10, "first": "y",
                    "last": "y"})",
                // Missing and null group together under null.
                R"({"_id": null, "n": 2, "total": 8, "lo": 1, "hi": 7, "first": null,
                    "last": null})",
            }));
}

TEST_F(PipelineTest, GroupKeysCompareByValue) {
  SetDocs({R"({"k": 1})", R"({"k": 1.0})", R"({"k": {"$numberLong": "1"}})", R"({"k": "1"})"});
  EXPECT_EQ(RunToJson(R"([{"$group": {"_id": "$k", "n": {"$sum": 1}}}])"),
            Canonical({R"({"_id": 1, "n": 3})", R"({"_id": "1", "n": 1})"}));
}

TEST_F(PipelineTest, GroupByDottedPathAndConstants) {
  SetDocs({R"({"m": {"room": "a"}})", R"({"m": {"room": "a"}})", R"({"m": {"room": "b"}})"});
  EXPECT_EQ(RunToJson(R"([{"$group": {"_id": "$m.room", "n": {"$sum": 2}}}])"),
            Canonical({R"({"_id": "a", "n": 4})", R"({"_id": "b", "n": 2})"}));
  EXPECT_EQ(RunToJson(R"([{"$group": {"_id": null, "c": {"$min": "const"}}}])"),
            Canonical({R"({"_id": null, "c": "const"})"}));
}

TEST_F(PipelineTest, SumResultTypes) {
  SetDocs({R"({"v": 2147483647})", R"({"v": 1})"});
  EXPECT_EQ(RunToJson(R"([{"$group": {"_id": 0, "s": {"$sum": "$v"}}}])"),
            Canonical({R"({"_id": 0, "s": {"$numberLong": "2147483648"}})"}));

  SetDocs({R"({"v": 1})", R"({"v": {"$numberLong": "2"}})"});
  EXPECT_EQ(RunToJson(R"([{"$group": {"_id": 0, "s": {"$sum": "$v"}}}])"),
            Canonical({R"({"_id": 0, "s": {"$numberLong": "3"}})"}));

  SetDocs({R"({"v": 1})", R"({"v": 0.5})"});
  EXPECT_EQ(RunToJson(R"([{"$group": {"_id": 0, "s": {"$sum": "$v"}}}])"),
            Canonical({R"({"_id": 0, "s": 1.5})"}));

  SetDocs({R"({"v": {"$numberLong": "9223372036854775807"}})", R"({"v": 1})"});
  EXPECT_EQ(RunToJson(R"([{"$group": {"_id": 0, "s": {"$sum": "$v"}}}])"),
            Canonical({R"({"_id": 0, "s": 9.2233720368547758e18})"}));

  SetDocs({R"({"v": "text"})", R"({})", R"({"v": null})"});
  EXPECT_EQ(RunToJson(R"([{"$group": {"_id": 0, "s": {"$sum": "$v"}, "lo": {"$min": "$v"}}}])"),
            Canonical({R"({"_id": 0, "s": 0, "lo": "text"})"}));
}

TEST_F(PipelineTest, StageErrors) {
  SetDocs({R"({"a": 1})"});
  EXPECT_EQ(RunToJson(R"([{"$foo": {}}])"),
            std::vector<std::string>{"error 40324: Unrecognized pipeline stage name: '$foo'"});
  EXPECT_EQ(RunToJson(R"([{"$match": {}, "$limit": 1}])"),
            std::vector<std::string>{
                "error 40323: A pipeline stage specification object must contain exactly one "
                "field."});
  EXPECT_EQ(RunToJson(R"([{}])")[0].substr(0, 11), "error 40323");
  EXPECT_EQ(RunToJson(R"([1])")[0].substr(0, 8), "error 14");
  auto code_of = [this](const char* pipeline) {
    auto result = Run(pipeline);
    EXPECT_FALSE(result.has_value()) << pipeline;
    return result.has_value() ? 0 : result.error().code;
  };
  EXPECT_EQ(code_of(R"([{"$match": {"a": {"$foo": 1}}}])"), 2);
  EXPECT_EQ(code_of(R"([{"$match": 1}])"), 2);
  EXPECT_EQ(code_of(R"([{"$limit": 0}])"), 2);
  EXPECT_EQ(code_of(R"([{"$limit": 1.5}])"), 2);
  EXPECT_EQ(code_of(R"([{"$skip": -1}])"), 2);
  EXPECT_EQ(code_of(R"([{"$skip": "x"}])"), 14);
  EXPECT_EQ(code_of(R"([{"$sort": {}}])"), 2);
  EXPECT_EQ(code_of(R"([{"$sort": {"a": 0}}])"), 2);
  EXPECT_EQ(code_of(R"([{"$project": {"a": 1, "b": 0}}])"), 31254);
  EXPECT_EQ(code_of(R"([{"$count": "$x"}])"), 2);
  EXPECT_EQ(code_of(R"([{"$count": ""}])"), 2);
  EXPECT_EQ(code_of(R"([{"$count": 1}])"), 14);
  EXPECT_EQ(code_of(R"([{"$group": {"n": {"$sum": 1}}}])"), 2);
  EXPECT_EQ(code_of(R"([{"$group": {"_id": 1, "n": {"$push": "$a"}}}])"), 2);
  EXPECT_EQ(code_of(R"([{"$group": {"_id": 1, "n": 5}}])"), 2);
  EXPECT_EQ(code_of(R"([{"$group": {"_id": 1, "a.b": {"$sum": 1}}}])"), 2);
  EXPECT_EQ(code_of(R"([{"$group": {"_id": "$$ROOT"}}])"), 2);
  EXPECT_EQ(code_of(R"([{"$group": {"_id": {"a": "$a"}}}])"), 2);
  EXPECT_EQ(code_of(R"([{"$group": 1}])"), 14);
  // A later invalid stage fails the whole pipeline.
  EXPECT_EQ(code_of(R"([{"$match": {}}, {"$bogus": 1}])"), 40324);
}

}  // namespace
}  // namespace devmongod::query
