// The query language devmongod understands: BSON value ordering, filters,
// sort specifications, inclusion projections and the non-change-stream
// aggregation stages. Pure code over libbson documents, no I/O.
//
// Semantics follow MongoDB's where implemented: values compare across types
// by the canonical type order (numbers by value whatever their BSON type);
// a filter on a field that holds an array matches if any element matches;
// dotted paths descend into embedded documents (and array elements by index).
// Thread-safety: compiled objects are immutable and may be shared.
//
// Known differences from MongoDB (each rejected with a clear BadValue or
// documented at its implementation):
//  * not supported: $where, $text, $jsonSchema, bit and geo operators;
//    aggregation expressions other than those of expression.h (in $expr and
//    the stages); computed, positional, $slice and $elemMatch projections in
//    find; $group expressions other than a constant or "$field",
//    accumulators other than $sum $min $max $first $last; stages other than
//    those listed on RunPipeline.
//  * collation: strings compare by bytes, $regex "i" folds case as PCRE2
//    does (Unicode in UTF-8 mode).
//  * a numeric path component on an array only indexes the array (MongoDB
//    also looks for a field of that name in the array's documents).
//  * "$a.b" in $group does not collect values across an array of documents
//    (it reads as missing there).
//  * decimal128 compares exactly with integers and decimals, but against a
//    non-integral double only after rounding to double; $sum adds decimals
//    as doubles and returns a double.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bson_ptr.h"

namespace devmongod::query {

// A rejected query, reported to the client as {ok:0, code, codeName, errmsg}.
struct Error {
  int32_t code = 2;  // 2 BadValue, 9 FailedToParse, 40324 unknown stage, ...
  std::string code_name = "BadValue";
  std::string message;
};

// <0, 0, >0 like strcmp, in MongoDB's comparison order.
int CompareValues(const bson_value_t& a, const bson_value_t& b);

// Finds `path` ("a.b.0.c") in `doc`. Returns false when absent.
bool LookupPath(const bson_t& doc, std::string_view path, bson_iter_t* out);

// A compiled filter: equality, $eq $gt $gte $lt $lte $ne $in $nin $exists
// $not $type $regex/$options (and regex values) $mod $all $elemMatch $size
// on top-level and dotted fields; $and $or $nor $expr $comment at top level.
class Matcher {
 public:
  static std::expected<Matcher, Error> Compile(const bson_t& filter);
  bool Matches(const bson_t& doc) const;
  bool MatchesEverything() const;

  struct Node;  // defined in the implementation

 private:
  std::shared_ptr<const Node> root_;
};

// A compiled sort: {field: 1 | -1, ...} (any number of keys).
class SortSpec {
 public:
  static std::expected<SortSpec, Error> Compile(const bson_t& sort);
  // Strict weak order for std::stable_sort.
  bool Less(const bson_t& a, const bson_t& b) const;
  bool empty() const { return keys_.empty(); }

 private:
  struct Key {
    std::string path;
    int direction;
  };
  std::vector<Key> keys_;
};

// A compiled projection: inclusion ({a:1, "b.c":1}, _id kept unless {_id:0})
// or exclusion ({a:0}). Mixing the two (other than _id) is an error.
class Projection {
 public:
  static std::expected<Projection, Error> Compile(const bson_t& projection);
  common::BsonPtr Apply(const bson_t& doc) const;
  bool empty() const;

  struct Spec;  // defined in the implementation

 private:
  std::shared_ptr<const Spec> spec_;
};

// Runs an aggregation pipeline (the array of stages, as it arrives in the
// `pipeline` field) over `docs`: $match, $sort, $skip, $limit, $count, the
// per-document stages of document_stage.h ($project, $addFields, $set,
// $unset, $replaceRoot, $replaceWith, $redact), and $group with _id
// (constant, null or "$field") and accumulators $sum (constant or
// "$field"), $min, $max, $first, $last. Other stages MongoDB has are a
// BadValue naming them, unknown names an Error with code 40324.
std::expected<std::vector<common::BsonPtr>, Error> RunPipeline(std::span<const bson_t* const> docs,
                                                               const bson_t& pipeline);

}  // namespace devmongod::query
