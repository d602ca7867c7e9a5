// Matcher::Matches: evaluates the compiled tree against one document. This
// is the change-stream fan-out hot path, so it only walks iterators and
// compares value views; nothing here allocates, except $expr for the arrays
// its field paths build.
#include <algorithm>
#include <cmath>

#include "devmongod/query/expression.h"
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
  if (std::binary_search(p.in_values.begin(), p.in_values.end(), value, less)) return true;
  return std::any_of(p.in_regexes.begin(), p.in_regexes.end(),
                     [&value](const Regex& r) { return r.MatchesValue(value); });
}

bool TypeMatches(const FieldPredicate& p, bson_type_t type) {
  return p.types.test(static_cast<uint8_t>(type)) || (p.type_number && IsNumberType(type));
}

// $mod: numbers truncated towards zero; the remainder has the dividend's
// sign (C++ and MongoDB agree).
bool ModMatches(const FieldPredicate& p, const bson_value_t& value) {
  int64_t n = 0;
  if (value.value_type == BSON_TYPE_INT32) {
    n = value.value.v_int32;
  } else if (value.value_type == BSON_TYPE_INT64) {
    n = value.value.v_int64;
  } else if (IsNumberType(value.value_type)) {
    const double d = std::trunc(NumberToDouble(value));
    if (!std::isfinite(d) || d < -9.2e18 || d > 9.2e18) return false;
    n = static_cast<int64_t>(d);
  } else {
    return false;
  }
  const int64_t remainder = p.mod_divisor == -1 ? 0 : n % p.mod_divisor;
  return remainder == p.mod_remainder;
}

int64_t ArrayLength(const bson_value_t& array) {
  bson_t view;
  if (!bson_init_static(&view, array.value.v_doc.data, array.value.v_doc.data_len)) return -1;
  return bson_count_keys(&view);
}

// One reached value (null pointer: the path reached nothing); `whole_array`
// when the value is the array the path ends on (not one of its elements).
bool TestValue(const FieldPredicate& p, const bson_value_t* value, bool whole_array) {
  switch (p.op) {
    case PredicateOp::kType:
      return value != nullptr && TypeMatches(p, value->value_type);
    case PredicateOp::kRegex:
      return value != nullptr && p.regex->MatchesValue(*value);
    case PredicateOp::kMod:
      return value != nullptr && ModMatches(p, *value);
    case PredicateOp::kSize:
      return value != nullptr && whole_array && ArrayLength(*value) == p.size;
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
  const bool any = WalkPath(doc, p.path, [&p](const bson_value_t* value, bool whole_array) {
    return TestValue(p, value, whole_array);
  });
  return any != p.negated;
}

bool Eval(const Matcher::Node& node, const bson_t& doc);

// The value form of $elemMatch: the tree tested on one element itself.
bool EvalOnValue(const Matcher::Node& node, const bson_value_t& value);

// Whether some element of `array` matches the $elemMatch node's subtree.
bool AnyElementMatches(const Matcher::Node& node, const bson_value_t& array) {
  bson_t view;
  bson_iter_t element;
  if (!bson_init_static(&view, array.value.v_doc.data, array.value.v_doc.data_len) ||
      !bson_iter_init(&element, &view)) {
    return false;
  }
  while (bson_iter_next(&element)) {
    const bson_value_t item = ValueOf(element);
    if (node.elem_match_values) {
      if (EvalOnValue(node.children[0], item)) return true;
      continue;
    }
    // The object form looks at documents (and arrays, which are documents
    // with numeric keys), as MongoDB does.
    bson_t sub;
    if ((item.value_type == BSON_TYPE_DOCUMENT || item.value_type == BSON_TYPE_ARRAY) &&
        bson_init_static(&sub, item.value.v_doc.data, item.value.v_doc.data_len) &&
        Eval(node.children[0], sub)) {
      return true;
    }
  }
  return false;
}

bool EvalOnValue(const Matcher::Node& node, const bson_value_t& value) {
  using Kind = Matcher::Node::Kind;
  auto each = [&value](const Matcher::Node& c) { return EvalOnValue(c, value); };
  switch (node.kind) {
    case Kind::kPredicate:
      return TestValue(node.predicate, &value, value.value_type == BSON_TYPE_ARRAY) !=
             node.predicate.negated;
    case Kind::kAnd:
      return std::all_of(node.children.begin(), node.children.end(), each);
    case Kind::kOr:
      return std::any_of(node.children.begin(), node.children.end(), each);
    case Kind::kNor:
      return std::none_of(node.children.begin(), node.children.end(), each);
    case Kind::kElemMatch:
      return value.value_type == BSON_TYPE_ARRAY && AnyElementMatches(node, value);
    case Kind::kExpr:
      return false;  // only at top level, never compiled here
  }
  return false;
}

bool Eval(const Matcher::Node& node, const bson_t& doc) {
  using Kind = Matcher::Node::Kind;
  switch (node.kind) {
    case Kind::kPredicate:
      return EvalPredicate(node.predicate, doc);
    case Kind::kElemMatch:
      return WalkPath(doc, node.predicate.path, [&node](const bson_value_t* value, bool whole) {
        return value != nullptr && whole && AnyElementMatches(node, *value);
      });
    case Kind::kExpr: {
      ExprArena arena;
      return TrueValue(node.expression->Evaluate(doc, doc, arena));
    }
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
