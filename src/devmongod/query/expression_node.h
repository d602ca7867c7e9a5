// The parsed form of an aggregation expression (private to the query
// library): a tree whose constants are views into the expression's own copy
// of its source, which CompiledExpression keeps alive beside the tree.
// Thread-safety: immutable after parsing.
#pragma once

#include <bson/bson.h>

#include <string>
#include <vector>

#include "common/bson_ptr.h"
#include "devmongod/query/expression.h"

namespace devmongod::query {

struct Expression::Node {
  enum class Kind { kConstant, kPath, kVariable, kObject, kArray, kOperator };
  enum class Variable { kRoot, kCurrent, kRemove, kKeep, kPrune, kDescend };
  enum class Op { kEq, kNe, kGt, kGte, kLt, kLte, kCmp, kAnd, kOr, kNot, kCond, kIfNull };

  Kind kind = Kind::kConstant;
  bson_value_t constant{};                 // kConstant
  Variable variable = Variable::kCurrent;  // kVariable; the base of a kPath
  std::vector<std::string> path;           // kPath: the components after the base
  Op op = Op::kEq;                         // kOperator
  std::vector<std::string> names;          // kObject: field names, parallel to children
  std::vector<Node> children;              // kObject values, kArray elements, kOperator arguments
};

struct CompiledExpression {
  common::BsonPtr source;  // {"": <the expression>}
  Expression::Node root;
};

}  // namespace devmongod::query
