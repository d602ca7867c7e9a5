// The compiled form of a filter (private to the query library): a tree of
// logical nodes whose leaves are single-field predicates. Operand values are
// views into the filter copy that the tree's owner (CompiledFilter) keeps
// alive, so matching never copies or allocates.
// Thread-safety: immutable after compilation.
#pragma once

#include <bson/bson.h>

#include <string>
#include <vector>

#include "common/bson_ptr.h"
#include "devmongod/query/path_walk.h"
#include "devmongod/query/query.h"

namespace devmongod::query {

enum class PredicateOp { kEq, kGt, kGte, kLt, kLte, kIn, kExists };

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
};

struct Matcher::Node {
  enum class Kind { kAnd, kOr, kNor, kPredicate };
  Kind kind = Kind::kAnd;
  std::vector<Node> children;  // kAnd, kOr, kNor
  FieldPredicate predicate;    // kPredicate
};

// What Matcher::root_ points into (via shared_ptr aliasing): the owned copy
// of the filter and the tree that references it.
struct CompiledFilter {
  chat::BsonPtr filter;
  Matcher::Node root;
};

}  // namespace devmongod::query
