// Matcher::Compile: parses a filter document once into the predicate tree of
// matcher_node.h, rejecting anything it cannot evaluate faithfully.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "devmongod/query/errors.h"
#include "devmongod/query/expression.h"
#include "devmongod/query/limits.h"
#include "devmongod/query/matcher_node.h"
#include "devmongod/query/matcher_ops.h"
#include "devmongod/query/path_walk.h"
#include "devmongod/query/query.h"
#include "devmongod/query/value_order.h"

namespace devmongod::query {
namespace {

using Node = Matcher::Node;
using Status = std::expected<void, Error>;

std::string_view KeyOf(const bson_iter_t& iter) {
  return std::string_view(bson_iter_key(&iter), bson_iter_key_len(&iter));
}

bool StartsWithDollar(std::string_view s) { return !s.empty() && s.front() == '$'; }

// bson_iter_next() stops at corrupt data and records where; compiling half a
// filter would silently widen it, so that is an error.
Status CheckFullyRead(const bson_iter_t& iter) {
  if (iter.err_off != 0) return std::unexpected(BadValue("filter is not valid BSON"));
  return {};
}

// MongoDB's BSONElement::trueValue(), which is how $exists reads its operand.
bool Truthy(const bson_value_t& v) { return TrueValue(ExprValue{false, v, {}}); }

// Operators MongoDB has but devmongod does not evaluate; naming them keeps
// the error honest ("not supported") rather than "unknown".
bool IsUnsupportedFieldOperator(std::string_view op) {
  static constexpr std::string_view kKnown[] = {"$bitsAllSet",   "$bitsAnySet", "$bitsAllClear",
                                                "$bitsAnyClear", "$geoWithin",  "$geoIntersects",
                                                "$near",         "$nearSphere", "$within",
                                                "$text",         "$where",      "$jsonSchema"};
  return std::find(std::begin(kKnown), std::end(kKnown), op) != std::end(kKnown);
}

bool IsUnsupportedTopLevelOperator(std::string_view op) {
  return op == "$where" || op == "$text" || op == "$jsonSchema" || op == "$sampleRate" ||
         op == "$alwaysTrue" || op == "$alwaysFalse";
}

// True for a document whose first field starts with '$': MongoDB reads the
// whole document as operators then (and as a literal value otherwise).
bool IsOperatorDocument(const bson_iter_t& value) {
  bson_iter_t fields;
  if (!BSON_ITER_HOLDS_DOCUMENT(&value) || !bson_iter_recurse(&value, &fields)) return false;
  return bson_iter_next(&fields) && StartsWithDollar(KeyOf(fields));
}

class FilterCompiler {
 public:
  // Appends the conditions of `filter` (implicitly ANDed) to `out`.
  Status CompileDocument(const bson_iter_t& filter_fields, int depth, std::vector<Node>* out) {
    if (depth > kMaxFilterDepth) {
      return std::unexpected(BadValue("exceeded depth limit of " + std::to_string(kMaxFilterDepth) +
                                      " when parsing the filter"));
    }
    bson_iter_t iter = filter_fields;
    while (bson_iter_next(&iter)) {
      const std::string_view key = KeyOf(iter);
      Status status = StartsWithDollar(key) ? CompileTopLevelOperator(key, iter, depth, out)
                                            : CompileField(key, iter, depth, out);
      if (!status) return status;
    }
    return CheckFullyRead(iter);
  }

 private:
  Status CompileTopLevelOperator(std::string_view op, const bson_iter_t& value, int depth,
                                 std::vector<Node>* out) {
    Node::Kind kind;
    if (op == "$and") {
      kind = Node::Kind::kAnd;
    } else if (op == "$or") {
      kind = Node::Kind::kOr;
    } else if (op == "$nor") {
      kind = Node::Kind::kNor;
    } else if (op == "$comment") {
      return {};  // annotations only
    } else if (op == "$expr") {
      return CompileExpr(value, out);
    } else if (IsUnsupportedTopLevelOperator(op)) {
      return std::unexpected(BadValue(std::string(op) + " is not supported by devmongod"));
    } else {
      return std::unexpected(BadValue("unknown top level operator: " + std::string(op)));
    }
    bson_iter_t entries;
    if (!BSON_ITER_HOLDS_ARRAY(&value) || !bson_iter_recurse(&value, &entries)) {
      return std::unexpected(BadValue(std::string(op) + " must be an array"));
    }
    Node node;
    node.kind = kind;
    while (bson_iter_next(&entries)) {
      bson_iter_t clause;
      if (!BSON_ITER_HOLDS_DOCUMENT(&entries) || !bson_iter_recurse(&entries, &clause)) {
        return std::unexpected(BadValue("$or/$and/$nor entries need to be full objects"));
      }
      Node child;  // each entry is a filter of its own: its fields are ANDed
      child.kind = Node::Kind::kAnd;
      if (Status s = CompileDocument(clause, depth + 1, &child.children); !s) return s;
      node.children.push_back(std::move(child));
    }
    if (Status s = CheckFullyRead(entries); !s) return s;
    if (node.children.empty()) {
      return std::unexpected(BadValue("$and/$or/$nor must be a nonempty array"));
    }
    out->push_back(std::move(node));
    return {};
  }

  Status CompileField(std::string_view path, const bson_iter_t& value, int depth,
                      std::vector<Node>* out) {
    if (PathComponentCount(path) > kMaxPathComponents) {
      return std::unexpected(BadValue("field path has more than " +
                                      std::to_string(kMaxPathComponents) + " components"));
    }
    if (BSON_ITER_HOLDS_REGEX(&value)) return CompileRegexLiteral(path, value, out);
    if (!IsOperatorDocument(value)) {
      out->push_back(MakePredicate(path, PredicateOp::kEq, false, ValueOf(value)));
      return {};
    }
    bson_iter_t ops;
    bson_iter_recurse(&value, &ops);
    return CompileOperators(path, ops, depth, out);
  }

  // The fields of an operator document {$gt: 1, $lt: 5}, ANDed.
  Status CompileOperators(std::string_view path, const bson_iter_t& start, int depth,
                          std::vector<Node>* out) {
    bson_iter_t ops = start;
    while (bson_iter_next(&ops)) {
      const std::string_view op = KeyOf(ops);
      const bson_value_t operand = ValueOf(ops);
      if ((op == "$gt" || op == "$gte" || op == "$lt" || op == "$lte") &&
          operand.value_type == BSON_TYPE_REGEX) {
        return std::unexpected(BadValue("Can't have RegEx as arg to predicate over field '" +
                                        std::string(path) + "'."));
      }
      if (std::optional<Status> handled =
              CompileArgumentOperator(path, op, start, ops, depth, out)) {
        if (!*handled) return *handled;
        continue;
      }
      if (op == "$eq" || op == "$ne") {
        out->push_back(MakePredicate(path, PredicateOp::kEq, op == "$ne", operand));
      } else if (op == "$gt") {
        out->push_back(MakePredicate(path, PredicateOp::kGt, false, operand));
      } else if (op == "$gte") {
        out->push_back(MakePredicate(path, PredicateOp::kGte, false, operand));
      } else if (op == "$lt") {
        out->push_back(MakePredicate(path, PredicateOp::kLt, false, operand));
      } else if (op == "$lte") {
        out->push_back(MakePredicate(path, PredicateOp::kLte, false, operand));
      } else if (op == "$exists") {
        out->push_back(MakePredicate(path, PredicateOp::kExists, !Truthy(operand), operand));
      } else if (op == "$in" || op == "$nin") {
        if (Status s = CompileIn(path, op, ops, out); !s) return s;
      } else if (op == "$not") {
        if (Status s = CompileNot(path, ops, depth, out); !s) return s;
      } else if (IsUnsupportedFieldOperator(op)) {
        return std::unexpected(BadValue(std::string(op) + " is not supported by devmongod"));
      } else {
        return std::unexpected(BadValue("unknown operator: " + std::string(op)));
      }
    }
    return CheckFullyRead(ops);
  }

  // The operators with an argument of their own: $type, $regex/$options,
  // $mod, $size, $all, $elemMatch; nullopt for any other operator.
  std::optional<Status> CompileArgumentOperator(std::string_view path, std::string_view op,
                                                const bson_iter_t& operators,
                                                const bson_iter_t& operand, int depth,
                                                std::vector<Node>* out) {
    if (op == "$type") return CompileType(path, operand, out);
    if (op == "$regex") return CompileRegexOperator(path, operators, operand, out);
    if (op == "$options") {
      bson_iter_t sibling = operators;
      while (bson_iter_next(&sibling)) {
        if (KeyOf(sibling) == "$regex") return Status{};  // compiled with its $regex
      }
      return std::unexpected(BadValue("$options needs a $regex"));
    }
    if (op == "$mod") return CompileMod(path, operand, out);
    if (op == "$size") return CompileSize(path, operand, out);
    if (op == "$all") return CompileAll(path, operand, depth, out);
    if (op == "$elemMatch") return CompileElemMatch(path, operand, depth, out);
    return std::nullopt;
  }

  static Status CompileRegexLiteral(std::string_view path, const bson_iter_t& literal,
                                    std::vector<Node>* out) {
    auto regex = RegexFromLiteral(literal);
    if (!regex) return std::unexpected(regex.error());
    Node node = MakePredicate(path, PredicateOp::kRegex, false, NullValue());
    node.predicate.regex = std::move(*regex);
    out->push_back(std::move(node));
    return {};
  }

  // {$expr: <aggregation expression>}: true where the expression is truthy.
  Status CompileExpr(const bson_iter_t& value, std::vector<Node>* out) const {
    if (elem_match_depth_ > 0) {
      return std::unexpected(BadValue("$expr can only be applied to the top-level document"));
    }
    auto expression = Expression::Parse(value);
    if (!expression) return std::unexpected(expression.error());
    Node node;
    node.kind = Node::Kind::kExpr;
    node.expression = std::make_shared<const Expression>(std::move(*expression));
    out->push_back(std::move(node));
    return {};
  }

  // {$all: [v, ...]}: every value matches as by equality (regexes by
  // regex, {$elemMatch: ...} entries as such); an empty list matches nothing.
  Status CompileAll(std::string_view path, const bson_iter_t& operand, int depth,
                    std::vector<Node>* out) {
    bson_iter_t items;
    if (!BSON_ITER_HOLDS_ARRAY(&operand) || !bson_iter_recurse(&operand, &items)) {
      return std::unexpected(BadValue("$all needs an array"));
    }
    Node all;
    all.kind = Node::Kind::kAnd;
    while (bson_iter_next(&items)) {
      bson_iter_t inner;
      if (IsOperatorDocument(items) && bson_iter_recurse(&items, &inner) &&
          bson_iter_next(&inner) && KeyOf(inner) == "$elemMatch") {
        if (Status s = CompileElemMatch(path, inner, depth, &all.children); !s) return s;
      } else if (IsOperatorDocument(items)) {
        return std::unexpected(BadValue("no $ expressions in $all"));
      } else if (BSON_ITER_HOLDS_REGEX(&items)) {
        if (Status s = CompileRegexLiteral(path, items, &all.children); !s) return s;
      } else {
        all.children.push_back(MakePredicate(path, PredicateOp::kEq, false, ValueOf(items)));
      }
    }
    if (Status s = CheckFullyRead(items); !s) return s;
    if (all.children.empty()) all.kind = Node::Kind::kOr;  // no alternative: never true
    out->push_back(std::move(all));
    return {};
  }

  // {$elemMatch: {b: 1, ...}} tests elements as documents; {$elemMatch:
  // {$gt: 1, ...}} (operators other than $and/$or/$nor) tests them as values.
  Status CompileElemMatch(std::string_view path, const bson_iter_t& operand, int depth,
                          std::vector<Node>* out) {
    bson_iter_t inner;
    if (!BSON_ITER_HOLDS_DOCUMENT(&operand) || !bson_iter_recurse(&operand, &inner)) {
      return std::unexpected(BadValue("$elemMatch needs an Object"));
    }
    if (depth + 1 > kMaxFilterDepth) {
      return std::unexpected(BadValue("exceeded depth limit of " + std::to_string(kMaxFilterDepth) +
                                      " when parsing the filter"));
    }
    bson_iter_t first = inner;
    const bool has_first = bson_iter_next(&first);
    const std::string_view key = has_first ? KeyOf(first) : std::string_view();
    Node node;
    node.kind = Node::Kind::kElemMatch;
    node.predicate.path = CompiledPath(std::string(path));
    node.elem_match_values = StartsWithDollar(key) && key != "$and" && key != "$or" &&
                             key != "$nor" && key != "$where" && key != "$expr";
    Node sub;
    sub.kind = Node::Kind::kAnd;
    ++elem_match_depth_;
    Status status = node.elem_match_values ? CompileOperators("", inner, depth + 1, &sub.children)
                                           : CompileDocument(inner, depth + 1, &sub.children);
    --elem_match_depth_;
    if (!status) return status;
    node.children.push_back(std::move(sub));
    out->push_back(std::move(node));
    return {};
  }

  static Status CompileIn(std::string_view path, std::string_view op, const bson_iter_t& operand,
                          std::vector<Node>* out) {
    bson_iter_t elements;
    if (!BSON_ITER_HOLDS_ARRAY(&operand) || !bson_iter_recurse(&operand, &elements)) {
      return std::unexpected(BadValue(std::string(op) + " needs an array"));
    }
    Node node = MakePredicate(path, PredicateOp::kIn, op == "$nin", NullValue());
    while (bson_iter_next(&elements)) {
      if (BSON_ITER_HOLDS_REGEX(&elements)) {
        auto regex = RegexFromLiteral(elements);
        if (!regex) return std::unexpected(regex.error());
        node.predicate.in_regexes.push_back(std::move(*regex));
        continue;
      }
      if (IsOperatorDocument(elements)) {
        return std::unexpected(BadValue("cannot nest $ under " + std::string(op)));
      }
      const bson_value_t v = ValueOf(elements);
      node.predicate.in_has_null |= v.value_type == BSON_TYPE_NULL;
      node.predicate.in_values.push_back(v);
    }
    if (Status s = CheckFullyRead(elements); !s) return s;
    auto less = [](const bson_value_t& a, const bson_value_t& b) {
      return CompareValues(a, b) < 0;
    };
    std::sort(node.predicate.in_values.begin(), node.predicate.in_values.end(), less);
    out->push_back(std::move(node));
    return {};
  }

  // {$not: {$gt: 5}}: true when the inner operators do not all hold, which
  // includes a missing field. Represented as NOR of the inner AND.
  Status CompileNot(std::string_view path, const bson_iter_t& operand, int depth,
                    std::vector<Node>* out) {
    Node all;
    all.kind = Node::Kind::kAnd;
    bson_iter_t inner;
    if (BSON_ITER_HOLDS_REGEX(&operand)) {
      if (Status s = CompileRegexLiteral(path, operand, &all.children); !s) return s;
      return Negate(std::move(all), out);
    }
    if (!IsOperatorDocument(operand) || !bson_iter_recurse(&operand, &inner)) {
      return std::unexpected(BadValue("$not needs a regex or a document of operators"));
    }
    if (depth + 1 > kMaxFilterDepth) {
      return std::unexpected(BadValue("exceeded depth limit of " + std::to_string(kMaxFilterDepth) +
                                      " when parsing the filter"));
    }
    if (Status s = CompileOperators(path, inner, depth + 1, &all.children); !s) return s;
    return Negate(std::move(all), out);
  }

  static Status Negate(Node all, std::vector<Node>* out) {
    Node nor;
    nor.kind = Node::Kind::kNor;
    nor.children.push_back(std::move(all));
    out->push_back(std::move(nor));
    return {};
  }

  int elem_match_depth_ = 0;  // $expr is only allowed outside $elemMatch
};

}  // namespace

std::expected<Matcher, Error> Matcher::Compile(const bson_t& filter) {
  auto compiled = std::make_shared<CompiledFilter>();
  // Operands are views into this copy; the caller's filter may go away.
  compiled->filter = common::CopyBson(filter);
  bson_iter_t fields;
  if (compiled->filter == nullptr || !bson_iter_init(&fields, compiled->filter.get())) {
    return std::unexpected(BadValue("filter must be a valid BSON document"));
  }
  compiled->root.kind = Node::Kind::kAnd;
  FilterCompiler compiler;
  if (auto status = compiler.CompileDocument(fields, 0, &compiled->root.children); !status) {
    return std::unexpected(status.error());
  }
  Matcher matcher;
  matcher.root_ = std::shared_ptr<const Node>(compiled, &compiled->root);
  return matcher;
}

}  // namespace devmongod::query
