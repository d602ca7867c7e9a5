// Expression::Parse: the source value into the tree of expression_node.h,
// rejecting what devmongod cannot evaluate with an error naming it.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "devmongod/query/errors.h"
#include "devmongod/query/expression.h"
#include "devmongod/query/expression_node.h"
#include "devmongod/query/limits.h"
#include "devmongod/query/path_walk.h"
#include "devmongod/query/value_order.h"

namespace devmongod::query {
namespace {

using Node = Expression::Node;
using Status = std::expected<void, Error>;

std::string_view KeyOf(const bson_iter_t& iter) {
  return std::string_view(bson_iter_key(&iter), bson_iter_key_len(&iter));
}

// Expression operators MongoDB has and devmongod does not evaluate: naming
// them keeps the error honest ("not supported", not "unrecognized").
bool IsUnsupportedOperator(std::string_view op) {
  static constexpr std::string_view kKnown[] = {"$abs",
                                                "$add",
                                                "$allElementsTrue",
                                                "$anyElementTrue",
                                                "$arrayElemAt",
                                                "$arrayToObject",
                                                "$ceil",
                                                "$concat",
                                                "$concatArrays",
                                                "$dateAdd",
                                                "$dateFromString",
                                                "$dateToString",
                                                "$dayOfMonth",
                                                "$divide",
                                                "$exp",
                                                "$filter",
                                                "$first",
                                                "$floor",
                                                "$function",
                                                "$getField",
                                                "$in",
                                                "$indexOfArray",
                                                "$indexOfBytes",
                                                "$isArray",
                                                "$isNumber",
                                                "$last",
                                                "$let",
                                                "$ln",
                                                "$log",
                                                "$ltrim",
                                                "$map",
                                                "$max",
                                                "$mergeObjects",
                                                "$meta",
                                                "$min",
                                                "$mod",
                                                "$multiply",
                                                "$objectToArray",
                                                "$pow",
                                                "$range",
                                                "$reduce",
                                                "$regexFind",
                                                "$regexMatch",
                                                "$replaceAll",
                                                "$reverseArray",
                                                "$round",
                                                "$rtrim",
                                                "$setField",
                                                "$setUnion",
                                                "$size",
                                                "$slice",
                                                "$split",
                                                "$sqrt",
                                                "$strLenCP",
                                                "$strcasecmp",
                                                "$substr",
                                                "$substrBytes",
                                                "$substrCP",
                                                "$subtract",
                                                "$sum",
                                                "$switch",
                                                "$toBool",
                                                "$toDate",
                                                "$toDouble",
                                                "$toInt",
                                                "$toLong",
                                                "$toLower",
                                                "$toObjectId",
                                                "$toString",
                                                "$toUpper",
                                                "$trim",
                                                "$trunc",
                                                "$type",
                                                "$year",
                                                "$zip"};
  return std::find(std::begin(kKnown), std::end(kKnown), op) != std::end(kKnown);
}

struct OpInfo {
  std::string_view name;
  Node::Op op;
  int min_args;  // -1: any number
  int max_args;
};

constexpr OpInfo kOperators[] = {
    {"$eq", Node::Op::kEq, 2, 2},     {"$ne", Node::Op::kNe, 2, 2},
    {"$gt", Node::Op::kGt, 2, 2},     {"$gte", Node::Op::kGte, 2, 2},
    {"$lt", Node::Op::kLt, 2, 2},     {"$lte", Node::Op::kLte, 2, 2},
    {"$cmp", Node::Op::kCmp, 2, 2},   {"$and", Node::Op::kAnd, -1, -1},
    {"$or", Node::Op::kOr, -1, -1},   {"$not", Node::Op::kNot, 1, 1},
    {"$cond", Node::Op::kCond, 3, 3}, {"$ifNull", Node::Op::kIfNull, 2, -1},
};

Status FieldNameCheck(std::string_view name) {
  if (name.empty()) return std::unexpected(LocationError(16872, "field names may not be empty"));
  if (name.front() == '$') {
    return std::unexpected(LocationError(
        16410, "FieldPath field names may not start with '$': '" + std::string(name) + "'"));
  }
  if (name.find('.') != std::string_view::npos) {
    return std::unexpected(LocationError(
        16412, "FieldPath field names may not contain '.': '" + std::string(name) + "'"));
  }
  return {};
}

// "a.b.c" into its components, each checked.
Status SplitPath(std::string_view text, std::vector<std::string>* out) {
  if (PathComponentCount(text) > kMaxPathComponents) {
    return std::unexpected(BadValue("field path is too long: '" + std::string(text) + "'"));
  }
  size_t start = 0;
  while (true) {
    const size_t dot = text.find('.', start);
    const std::string_view part = text.substr(start, dot - start);
    if (part.empty()) {
      return std::unexpected(
          LocationError(15998, "FieldPath field names may not be empty strings"));
    }
    if (part.front() == '$') {
      return std::unexpected(LocationError(
          16410, "FieldPath field names may not start with '$': '" + std::string(text) + "'"));
    }
    out->emplace_back(part);
    if (dot == std::string_view::npos) return {};
    start = dot + 1;
  }
}

class Parser {
 public:
  Status Value(const bson_iter_t& value, int depth, Node* out) {
    if (depth > kMaxFilterDepth) {
      return std::unexpected(
          BadValue("expression nested deeper than " + std::to_string(kMaxFilterDepth) + " levels"));
    }
    if (BSON_ITER_HOLDS_UTF8(&value)) {
      uint32_t len = 0;
      const char* s = bson_iter_utf8(&value, &len);
      const std::string_view text(s, len);
      if (text.starts_with("$$")) return Variable(text.substr(2), out);
      if (text.starts_with("$")) {
        if (text.size() == 1) {
          return std::unexpected(LocationError(16872, "'$' by itself is not a valid FieldPath"));
        }
        out->kind = Node::Kind::kPath;
        out->variable = Node::Variable::kCurrent;
        return SplitPath(text.substr(1), &out->path);
      }
    }
    bson_iter_t children;
    if (BSON_ITER_HOLDS_ARRAY(&value) && bson_iter_recurse(&value, &children)) {
      out->kind = Node::Kind::kArray;
      return Elements(children, depth, &out->children);
    }
    if (BSON_ITER_HOLDS_DOCUMENT(&value) && bson_iter_recurse(&value, &children)) {
      bson_iter_t first = children;
      if (bson_iter_next(&first) && KeyOf(first).starts_with("$")) {
        return Operator(children, depth, out);
      }
      return Object(children, depth, out);
    }
    out->kind = Node::Kind::kConstant;
    out->constant = ValueOf(value);
    return {};
  }

 private:
  static Status Variable(std::string_view text, Node* out) {
    const size_t dot = text.find('.');
    const std::string_view name = text.substr(0, dot);
    static constexpr std::pair<std::string_view, Node::Variable> kVariables[] = {
        {"ROOT", Node::Variable::kRoot},     {"CURRENT", Node::Variable::kCurrent},
        {"REMOVE", Node::Variable::kRemove}, {"KEEP", Node::Variable::kKeep},
        {"PRUNE", Node::Variable::kPrune},   {"DESCEND", Node::Variable::kDescend}};
    for (const auto& [known, variable] : kVariables) {
      if (name != known) continue;
      const bool document =
          variable == Node::Variable::kRoot || variable == Node::Variable::kCurrent;
      if (dot == std::string_view::npos || !document) {
        out->kind = Node::Kind::kVariable;
        out->variable = variable;
        return {};
      }
      out->kind = Node::Kind::kPath;
      out->variable = variable;
      return SplitPath(text.substr(dot + 1), &out->path);
    }
    return std::unexpected(LocationError(17276, "Use of undefined variable: " + std::string(name)));
  }

  Status Elements(const bson_iter_t& start, int depth, std::vector<Node>* out) {
    bson_iter_t item = start;
    while (bson_iter_next(&item)) {
      out->emplace_back();
      if (Status s = Value(item, depth + 1, &out->back()); !s) return s;
    }
    return {};
  }

  Status Object(const bson_iter_t& start, int depth, Node* out) {
    out->kind = Node::Kind::kObject;
    bson_iter_t field = start;
    while (bson_iter_next(&field)) {
      const std::string_view name = KeyOf(field);
      if (Status s = FieldNameCheck(name); !s) return s;
      if (std::find(out->names.begin(), out->names.end(), name) != out->names.end()) {
        return std::unexpected(LocationError(
            16406, "duplicate field name '" + std::string(name) + "' in an object expression"));
      }
      out->names.emplace_back(name);
      out->children.emplace_back();
      if (Status s = Value(field, depth + 1, &out->children.back()); !s) return s;
    }
    return {};
  }

  Status Operator(const bson_iter_t& start, int depth, Node* out) {
    bson_iter_t field = start;
    bson_iter_next(&field);
    const std::string op(KeyOf(field));
    bson_iter_t extra = field;
    if (bson_iter_next(&extra)) {
      return std::unexpected(LocationError(
          15983, "an object representing an expression must have exactly one field, found " + op +
                     " and " + std::string(KeyOf(extra))));
    }
    if (op == "$literal") {
      out->kind = Node::Kind::kConstant;
      out->constant = ValueOf(field);
      return {};
    }
    const auto* info = std::find_if(std::begin(kOperators), std::end(kOperators),
                                    [&op](const OpInfo& i) { return i.name == op; });
    if (info == std::end(kOperators)) {
      if (IsUnsupportedOperator(op)) {
        return std::unexpected(BadValue("expression " + op + " is not supported by devmongod"));
      }
      return std::unexpected(
          Error{168, "InvalidPipelineOperator", "Unrecognized expression '" + op + "'"});
    }
    out->kind = Node::Kind::kOperator;
    out->op = info->op;
    bson_iter_t args;
    if (info->op == Node::Op::kCond && BSON_ITER_HOLDS_DOCUMENT(&field) &&
        bson_iter_recurse(&field, &args)) {
      return CondObject(args, depth, out);
    }
    if (BSON_ITER_HOLDS_ARRAY(&field) && bson_iter_recurse(&field, &args)) {
      if (Status s = Elements(args, depth, &out->children); !s) return s;
    } else {
      out->children.emplace_back();
      if (Status s = Value(field, depth + 1, &out->children.back()); !s) return s;
    }
    const int count = static_cast<int>(out->children.size());
    if ((info->min_args >= 0 && count < info->min_args) ||
        (info->max_args >= 0 && count > info->max_args)) {
      return std::unexpected(
          LocationError(16020, "Expression " + op + " takes " +
                                   (info->min_args == info->max_args ? "exactly " : "at least ") +
                                   std::to_string(info->min_args) + " arguments. " +
                                   std::to_string(count) + " were passed in."));
    }
    return {};
  }

  // {$cond: {if, then, else}}: stored as the three arguments in that order.
  Status CondObject(const bson_iter_t& start, int depth, Node* out) {
    static constexpr std::string_view kParts[] = {"if", "then", "else"};
    out->children.resize(3);
    bool seen[3] = {false, false, false};
    bson_iter_t field = start;
    while (bson_iter_next(&field)) {
      const std::string_view key = KeyOf(field);
      const auto* part = std::find(std::begin(kParts), std::end(kParts), key);
      if (part == std::end(kParts)) {
        return std::unexpected(
            LocationError(17083, "Unrecognized parameter to $cond: " + std::string(key)));
      }
      const size_t index = static_cast<size_t>(part - std::begin(kParts));
      seen[index] = true;
      if (Status s = Value(field, depth + 1, &out->children[index]); !s) return s;
    }
    for (size_t i = 0; i < 3; ++i) {
      if (!seen[i]) {
        return std::unexpected(
            LocationError(17080 + static_cast<int32_t>(i),
                          "Missing '" + std::string(kParts[i]) + "' parameter to $cond"));
      }
    }
    return {};
  }
};

}  // namespace

std::expected<Expression, Error> Expression::Parse(const bson_iter_t& value) {
  auto compiled = std::make_shared<CompiledExpression>();
  compiled->source = common::NewBson();
  bson_iter_t copy = value;
  bson_append_iter(compiled->source.get(), "", 0, &copy);
  bson_iter_t own;
  if (!bson_iter_init(&own, compiled->source.get()) || !bson_iter_next(&own)) {
    return std::unexpected(BadValue("expression is not valid BSON"));
  }
  Parser parser;
  if (Status s = parser.Value(own, 0, &compiled->root); !s) return std::unexpected(s.error());
  Expression expression;
  expression.root_ = std::shared_ptr<const Node>(compiled, &compiled->root);
  return expression;
}

}  // namespace devmongod::query
