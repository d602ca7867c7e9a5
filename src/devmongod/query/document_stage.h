// Aggregation stages that take one document and give at most one back:
// $match, $project (inclusion, exclusion, and computed fields from
// expression.h), $addFields and its alias $set, $unset, $replaceRoot and
// $replaceWith, $redact. They serve ordinary aggregate pipelines and the
// stages that may follow $changeStream.
//
// Semantics follow MongoDB's: $addFields evaluates every expression against
// the input document, then sets the fields in order (an existing field keeps
// its place, a new one is appended, a dotted path creates the documents it
// needs and is applied to every element of an array on its way; a missing
// value removes the field); $project's computed fields come after the
// included ones; $replaceRoot needs a document (40228); $redact descends
// into sub-documents and arrays of documents and needs $$KEEP, $$PRUNE or
// $$DESCEND (17053).
// Known limit: $project does not take nested projection objects
// ({a: {b: 1}}; write "a.b": 1), rejected with an error saying so.
// Thread-safety: immutable after parsing; Apply is const.
#pragma once

#include <bson/bson.h>

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bson_ptr.h"
#include "devmongod/query/expression.h"
#include "devmongod/query/query.h"

namespace devmongod::query {

class DocumentStage {
 public:
  // True for the stage names above.
  static bool Handles(std::string_view name);
  // `arg` is the stage's value ({$name: arg}); the stage keeps its own copies.
  static std::expected<DocumentStage, Error> Parse(std::string_view name, const bson_iter_t& arg);

  // What the stage made of one document: dropped, passed unchanged (doc is
  // null) or replaced by `doc`.
  struct Output {
    bool keep = true;
    common::BsonPtr doc;
  };
  std::expected<Output, Error> Apply(const bson_t& doc) const;

  bool is_match() const { return kind_ == Kind::kMatch; }
  const std::optional<Matcher>& matcher() const { return matcher_; }

 private:
  enum class Kind { kMatch, kProject, kAddFields, kUnset, kReplaceRoot, kRedact };
  using Path = std::vector<std::string>;

  using Parsed = std::expected<DocumentStage, Error>;
  static Parsed ParseMatch(std::string_view name, const bson_iter_t& arg);
  static Parsed ParseProject(std::string_view name, const bson_iter_t& arg);
  static Parsed ParseAddFields(std::string_view name, const bson_iter_t& arg);
  static Parsed ParseUnset(std::string_view name, const bson_iter_t& arg);
  static Parsed ParseReplaceRoot(std::string_view name, const bson_iter_t& arg);

  common::BsonPtr SetFields(const bson_t& doc, ExprArena& arena) const;
  std::expected<Output, Error> Redact(const bson_t& doc) const;

  Kind kind_ = Kind::kMatch;
  std::optional<Matcher> matcher_;                   // kMatch
  std::optional<Projection> projection_;             // kProject (its 0/1 part), kUnset
  bool project_from_empty_ = false;                  // kProject: only computed fields, _id: 0
  std::vector<std::pair<Path, Expression>> fields_;  // kProject computed, kAddFields
  std::optional<Expression> expression_;             // kReplaceRoot, kRedact
};

// Stages applied in order to one document (the stages after $changeStream).
class DocumentPipeline {
 public:
  void Add(DocumentStage stage) { stages_.push_back(std::move(stage)); }
  bool empty() const { return stages_.empty(); }
  // Dropped by a stage, unchanged (null doc: only $match stages ran or
  // nothing changed) or the last stage's output.
  std::expected<DocumentStage::Output, Error> Apply(const bson_t& doc) const;

 private:
  std::vector<DocumentStage> stages_;
};

// Sets `path` in `doc` to `value` with $addFields' rules (see above); the
// result is a new document.
common::BsonPtr SetPath(const bson_t& doc, const std::vector<std::string>& path,
                        const ExprValue& value);

}  // namespace devmongod::query
