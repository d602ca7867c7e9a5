// Matcher::Matches: evaluates the compiled tree against one document. This
// is the change-stream fan-out hot path, so it only walks iterators and
// compares value views; nothing here allocates.
#include <algorithm>

#include "devmongod/query/matcher_node.h"
#include "devmongod/query/numeric_order.h"
#include "devmongod/query/path_walk.h"
#include "devmongod/query/query.h"
#include "devmongod/query/value_order.h"

namespace devmongod::query {
namespace {

bool IsMinOrMaxKey(bson_type_t t) { return t == BSON_TYPE_MINKEY || t == BSON_TYPE_MAXKEY; }

bool IsNaNValue(const bson_value_t& v) { return IsNumberType(v.value_type) && IsNaN(v); }

// $gt/$gte/$lt/$lte with MongoDB's type bracketing: only values of the
// operand's canonical type are compared, except that MinKey and MaxKey
// operands compare against everything. NaN is only "equal" to NaN, never
// greater or less than a number (as in MongoDB).
bool RangeMatches(PredicateOp op, const bson_value_t& value, const bson_value_t& operand) {
  if (!IsMinOrMaxKey(operand.value_type) &&
      CanonicalRank(value.value_type) != CanonicalRank(operand.value_type)) {
    return false;
  }
  const bool nan_value = IsNaNValue(value);
  const bool nan_operand = IsNaNValue(operand);
  if (nan_value || nan_operand) {
    return nan_value && nan_operand && (op == PredicateOp::kGte || op == PredicateOp::kLte);
  }
  const int c = CompareValues(value, operand);
  switch (op) {
    case PredicateOp::kGt:
      return c > 0;
    case PredicateOp::kGte:
      return c >= 0;
    case PredicateOp::kLt:
      return c < 0;
    case PredicateOp::kLte:
      return c <= 0;
    default:
      return false;
  }
}

bool InSet(const FieldPredicate& p, const bson_value_t& value) {
  auto less = [](const bson_value_t& a, const bson_value_t& b) { return CompareValues(a, b) < 0; };
  return std::binary_search(p.in_values.begin(), p.in_values.end(), value, less);
}

// One reached value (null pointer: the path reached nothing).
bool TestValue(const FieldPredicate& p, const bson_value_t* value) {
  switch (p.op) {
    case PredicateOp::kExists:
      return value != nullptr;
    case PredicateOp::kEq:
      // A missing field equals null, as in MongoDB.
      return CompareValues(value != nullptr ? *value : NullValue(), p.operand) == 0;
    case PredicateOp::kIn:
      return value == nullptr ? p.in_has_null : InSet(p, *value);
    case PredicateOp::kGt:
    case PredicateOp::kGte:
    case PredicateOp::kLt:
    case PredicateOp::kLte:
      return RangeMatches(p.op, value != nullptr ? *value : NullValue(), p.operand);
  }
  return false;
}

bool EvalPredicate(const FieldPredicate& p, const bson_t& doc) {
  const bool any = WalkPath(doc, p.path, [&p](const bson_value_t* value, bool /*whole_array*/) {
    return TestValue(p, value);
  });
  return any != p.negated;
}

bool Eval(const Matcher::Node& node, const bson_t& doc) {
  using Kind = Matcher::Node::Kind;
  switch (node.kind) {
    case Kind::kPredicate:
      return EvalPredicate(node.predicate, doc);
    case Kind::kAnd:
      return std::all_of(node.children.begin(), node.children.end(),
                         [&doc](const Matcher::Node& c) { return Eval(c, doc); });
    case Kind::kOr:
      return std::any_of(node.children.begin(), node.children.end(),
                         [&doc](const Matcher::Node& c) { return Eval(c, doc); });
    case Kind::kNor:
      return std::none_of(node.children.begin(), node.children.end(),
                          [&doc](const Matcher::Node& c) { return Eval(c, doc); });
  }
  return false;
}

}  // namespace

bool Matcher::Matches(const bson_t& doc) const { return root_ == nullptr || Eval(*root_, doc); }

bool Matcher::MatchesEverything() const {
  return root_ == nullptr || (root_->kind == Node::Kind::kAnd && root_->children.empty());
}

}  // namespace devmongod::query
