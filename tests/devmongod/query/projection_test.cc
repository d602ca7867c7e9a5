// Projection: inclusion and exclusion (top-level, nested, through arrays),
// _id handling, field order, and the specification errors.
#include <gtest/gtest.h>

#include <string>

#include "bson_test_util.h"
#include "devmongod/query/query.h"

namespace devmongod::query {
namespace {

using testing::CanonicalJson;
using testing::Doc;

struct ProjectionCase {
  const char* projection;
  const char* doc;
  const char* expected;
};

void RunTable(const ProjectionCase* begin, const ProjectionCase* end) {
  for (const ProjectionCase* c = begin; c != end; ++c) {
    auto projection = Projection::Compile(*Doc(c->projection));
    ASSERT_TRUE(projection.has_value()) << c->projection << ": " << projection.error().message;
    common::BsonPtr out = projection->Apply(*Doc(c->doc));
    EXPECT_EQ(CanonicalJson(*out), CanonicalJson(c->expected)) << c->projection << " on " << c->doc;
  }
}

#define RUN_TABLE(table) RunTable(std::begin(table), std::end(table))

TEST(ProjectionTest, Inclusion) {
  const ProjectionCase cases[] = {
      {R"({"a": 1})", R"({"_id": 1, "a": 2, "b": 3})", R"({"_id": 1, "a": 2})"},
      {R"({"a": true})", R"({"_id": 1, "a": 2, "b": 3})", R"({"_id": 1, "a": 2})"},
      {R"({"a": 1, "_id": 0})", R"({"_id": 1, "a": 2, "b": 3})", R"({"a": 2})"},
      {R"({"a": 1, "_id": false})", R"({"_id": 1, "a": 2})", R"({"a": 2})"},
      {R"({"a": 1, "_id": 1})", R"({"b": 0, "a": 2, "_id": 1})", R"({"a": 2, "_id": 1})"},
      // The document's field order wins over the projection's.
      {R"({"b": 1, "a": 1})", R"({"_id": 0, "a": 1, "c": 2, "b": 3})",
       R"({"_id": 0, "a": 1, "b": 3})"},
      {R"({"missing": 1})", R"({"_id": 5, "a": 1})", R"({"_id": 5})"},
      {R"({"a": {"$numberLong": "5"}})", R"({"a": [1, 2], "b": 1})", R"({"a": [1, 2]})"},
      // Nested paths keep only the named sub-fields.
      {R"({"b.c": 1})", R"({"_id": 1, "b": {"c": 1, "d": 2}})", R"({"_id": 1, "b": {"c": 1}})"},
      {R"({"b.c": 1, "b.e": 1})", R"({"b": {"e": 3, "c": 1, "d": 2}})",
       R"({"b": {"e": 3, "c": 1}})"},
      {R"({"b.c": 1})", R"({"b": {"d": 2}})", R"({"b": {}})"},
      {R"({"b.c": 1})", R"({"_id": 1, "b": 5})", R"({"_id": 1})"},
      {R"({"b.c.d": 1})", R"({"b": {"c": {"d": 1, "e": 2}, "f": 3}})", R"({"b": {"c": {"d": 1}}})"},
      // Through arrays: documents are projected, other elements dropped.
      {R"({"b.c": 1})", R"({"b": [{"c": 1, "d": 2}, 3, {"d": 4}, [{"c": 5}]]})",
       R"({"b": [{"c": 1}, {}, [{"c": 5}]]})"},
      {R"({"fullDocument.text": 1, "_id": 0})",
       R"({"_id": 9, "fullDocument": {"_id": 1, "text": "hi", "room": "r"}})",
       R"({"fullDocument": {"text": "hi"}})"},
      // {_id: 1} alone keeps only _id.
      {R"({"_id": 1})", R"({"_id": 3, "a": 1})", R"({"_id": 3})"},
  };
  RUN_TABLE(cases);
}

TEST(ProjectionTest, Exclusion) {
  const ProjectionCase cases[] = {
      {R"({"a": 0})", R"({"_id": 1, "a": 2, "b": 3})", R"({"_id": 1, "b": 3})"},
      {R"({"a": false, "b": 0})", R"({"_id": 1, "a": 2, "b": 3})", R"({"_id": 1})"},
      {R"({"_id": 0})", R"({"_id": 1, "a": 2, "b": 3})", R"({"a": 2, "b": 3})"},
      {R"({"_id": 0, "a": 0})", R"({"_id": 1, "a": 2, "b": 3})", R"({"b": 3})"},
      {R"({"a": 0, "_id": 1})", R"({"_id": 1, "a": 2, "b": 3})", R"({"_id": 1, "b": 3})"},
      {R"({"b.c": 0})", R"({"b": {"c": 1, "d": 2}})", R"({"b": {"d": 2}})"},
      {R"({"b.c": 0})", R"({"b": 5})", R"({"b": 5})"},
      {R"({"b.c": 0})", R"({"b": [{"c": 1, "d": 2}, 3, {"d": 4}, [{"c": 5, "e": 6}]]})",
       R"({"b": [{"d": 2}, 3, {"d": 4}, [{"e": 6}]]})"},
      {R"({"missing": 0})", R"({"a": 1})", R"({"a": 1})"},
  };
  RUN_TABLE(cases);
}

TEST(ProjectionTest, EmptyProjectionCopiesTheDocument) {
  auto projection = Projection::Compile(*Doc("{}"));
  ASSERT_TRUE(projection.has_value());
  EXPECT_TRUE(projection->empty());
  common::BsonPtr doc = Doc(R"({"_id": 1, "a": [1, {"b": 2}]})");
  EXPECT_EQ(CanonicalJson(*projection->Apply(*doc)), CanonicalJson(*doc));

  auto non_empty = Projection::Compile(*Doc(R"({"a": 1})"));
  ASSERT_TRUE(non_empty.has_value());
  EXPECT_FALSE(non_empty->empty());
}

TEST(ProjectionTest, OutlivesTheSpecificationDocument) {
  common::BsonPtr spec = Doc(R"({"a.b": 1})");
  auto projection = Projection::Compile(*spec);
  ASSERT_TRUE(projection.has_value());
  spec.reset();
  EXPECT_EQ(CanonicalJson(*projection->Apply(*Doc(R"({"a": {"b": 1, "c": 2}})"))),
            CanonicalJson(R"({"a": {"b": 1}})"));
}

Error CompileError(const char* json) {
  auto projection = Projection::Compile(*Doc(json));
  EXPECT_FALSE(projection.has_value()) << json;
  return projection.has_value() ? Error{0, "", "compiled"} : projection.error();
}

TEST(ProjectionTest, MixingInclusionAndExclusion) {
  const Error exclusion_in_inclusion = CompileError(R"({"a": 1, "b": 0})");
  EXPECT_EQ(exclusion_in_inclusion.code, 31254);
  EXPECT_EQ(exclusion_in_inclusion.code_name, "Location31254");
  EXPECT_EQ(exclusion_in_inclusion.message,
            "Cannot do exclusion on field b in inclusion projection");

  const Error inclusion_in_exclusion = CompileError(R"({"a": 0, "b.c": true})");
  EXPECT_EQ(inclusion_in_exclusion.code, 31253);
  EXPECT_EQ(inclusion_in_exclusion.message,
            "Cannot do inclusion on field b.c in exclusion projection");
}

TEST(ProjectionTest, OtherErrors) {
  EXPECT_EQ(CompileError(R"({"a": 1, "a.b": 1})").code, 31250);  // path collision
  EXPECT_EQ(CompileError(R"({"a.b": 0, "a": 0})").code, 31250);
  EXPECT_EQ(CompileError(R"({"a": "x"})").code, 2);  // computed fields unsupported
  EXPECT_EQ(CompileError(R"({"a": {"$slice": 1}})").code, 2);
  EXPECT_EQ(CompileError(R"({"$a": 1})").code, 2);
  EXPECT_EQ(CompileError(R"({"a..b": 1})").code, 2);
  EXPECT_EQ(CompileError(R"({"a.": 1})").code, 2);
  EXPECT_EQ(CompileError(R"({"a.$": 1})").code, 2);
}

}  // namespace
}  // namespace devmongod::query
