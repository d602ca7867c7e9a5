// The compiled form of a filter (private to the query library): a tree of
// logical nodes whose leaves are single-field predicates. Operand values are
// views into the filter copy that the tree's owner (CompiledFilter) keeps
// alive, so matching never copies; only $expr (arrays it builds) allocates.
// Thread-safety: immutable after compilation.
#pragma once

#include <bson/bson.h>

#include <bitset>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bson_ptr.h"
#include "devmongod/query/path_walk.h"
#include "devmongod/query/query.h"
#include "devmongod/query/regex.h"

namespace devmongod::query {

enum class PredicateOp { kEq, kGt, kGte, kLt, kLte, kIn, kExists, kType, kRegex, kMod, kSize };

// `path` compared with `op` against `operand` (or `in_values` for $in);
// `negated` turns $eq into $ne, $in into $nin and $exists:true into
// $exists:false — MongoDB defines those as the plain negation, so that e.g.
// {a: {$ne: 1}} matches documents without `a`.
struct FieldPredicate {
  CompiledPath path;
  PredicateOp op = PredicateOp::kEq;
  bool negated = false;
  bson_value_t operand{};
  std::vector<bson_value_t> in_values;  // sorted by CompareValues
  bool in_has_null = false;             // $in:[null] also matches a missing field
  std::vector<Regex> in_regexes;        // $in: [/re/, ...]
  std::optional<Regex> regex;           // kRegex
  std::bitset<256> types;               // kType: by BSON type byte (MinKey is 0xFF)
  bool type_number = false;             // kType "number": any numeric type
  int64_t mod_divisor = 1;              // kMod
  int64_t mod_remainder = 0;
  int64_t size = 0;  // kSize
};

class Expression;

struct Matcher::Node {
  // kElemMatch: some element of the array at predicate.path matches
  // children[0], which tests the element as a document (object form) or
  // as a value (value form, {$elemMatch: {$gt: 1}}). kExpr: $expr.
  enum class Kind { kAnd, kOr, kNor, kPredicate, kElemMatch, kExpr };
  Kind kind = Kind::kAnd;
  std::vector<Node> children;  // kAnd, kOr, kNor, kElemMatch
  FieldPredicate predicate;    // kPredicate; the path of kElemMatch
  bool elem_match_values = false;
  std::shared_ptr<const Expression> expression;  // kExpr
};

// What Matcher::root_ points into (via shared_ptr aliasing): the owned copy
// of the filter and the tree that references it.
struct CompiledFilter {
  common::BsonPtr filter;
  Matcher::Node root;
};

}  // namespace devmongod::query
