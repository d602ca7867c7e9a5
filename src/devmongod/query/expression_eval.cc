// Expression::Evaluate: walks the parsed tree over one document. Values are
// views; arrays and documents the expression builds live in the arena.
#include <algorithm>
#include <cstring>
#include <string>

#include "devmongod/query/expression.h"
#include "devmongod/query/expression_node.h"
#include "devmongod/query/path_walk.h"
#include "devmongod/query/value_order.h"

namespace devmongod::query {
namespace {

using Node = Expression::Node;

struct Context {
  const bson_t& root;
  const bson_t& current;
  ExprArena& arena;
};

ExprValue Present(const bson_value_t& value) { return ExprValue{false, value, {}}; }

ExprValue Bool(bool b) {
  bson_value_t v{};
  v.value_type = BSON_TYPE_BOOL;
  v.value.v_bool = b;
  return Present(v);
}

ExprValue Int32(int32_t n) {
  bson_value_t v{};
  v.value_type = BSON_TYPE_INT32;
  v.value.v_int32 = n;
  return Present(v);
}

bson_value_t DocumentValue(const bson_t& doc) {
  bson_value_t v{};
  v.value_type = BSON_TYPE_DOCUMENT;
  v.value.v_doc.data = const_cast<uint8_t*>(bson_get_data(&doc));
  v.value.v_doc.data_len = doc.len;
  return v;
}

// Missing takes part in comparisons as undefined: below null, equal only to
// itself (MongoDB's canonical order puts both before null).
bson_value_t Comparable(const ExprValue& v) {
  if (!v.missing) return v.value;
  bson_value_t undefined{};
  undefined.value_type = BSON_TYPE_UNDEFINED;
  return undefined;
}

ExprValue PathIn(const bson_iter_t& at, const std::vector<std::string>& path, size_t i,
                 ExprArena& arena);

// The path's value inside the document whose fields `fields` iterates.
ExprValue PathInFields(const bson_iter_t& fields, const std::vector<std::string>& path, size_t i,
                       ExprArena& arena) {
  bson_iter_t field = fields;
  if (!FindField(&field, path[i])) return ExprValue{};
  return PathIn(field, path, i + 1, arena);
}

// Aggregation paths: over an array, the path continues in every element
// that is a document (or array) and collects the values found, in order.
ExprValue PathIn(const bson_iter_t& at, const std::vector<std::string>& path, size_t i,
                 ExprArena& arena) {
  if (i == path.size()) return Present(ValueOf(at));
  bson_iter_t children;
  if (BSON_ITER_HOLDS_DOCUMENT(&at) && bson_iter_recurse(&at, &children)) {
    return PathInFields(children, path, i, arena);
  }
  if (!BSON_ITER_HOLDS_ARRAY(&at) || !bson_iter_recurse(&at, &children)) return ExprValue{};
  common::BsonPtr values = common::NewBson();
  uint32_t count = 0;
  while (bson_iter_next(&children)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&children) && !BSON_ITER_HOLDS_ARRAY(&children)) continue;
    ExprValue found = PathIn(children, path, i, arena);
    if (found.missing) continue;
    AppendExprValue(values.get(), std::to_string(count++), found);
  }
  return Present(arena.Keep(std::move(values), true));
}

ExprValue Eval(const Node& node, const Context& ctx);

ExprValue EvalPath(const Node& node, const Context& ctx) {
  const bson_t& base = node.variable == Node::Variable::kRoot ? ctx.root : ctx.current;
  bson_iter_t fields;
  if (!bson_iter_init(&fields, &base)) return ExprValue{};
  return PathInFields(fields, node.path, 0, ctx.arena);
}

ExprValue EvalVariable(const Node& node, const Context& ctx) {
  ExprValue out;
  switch (node.variable) {
    case Node::Variable::kRoot:
      return Present(DocumentValue(ctx.root));
    case Node::Variable::kCurrent:
      return Present(DocumentValue(ctx.current));
    case Node::Variable::kRemove:
      return out;
    case Node::Variable::kKeep:
      out.keyword = RedactKeyword::kKeep;
      break;
    case Node::Variable::kPrune:
      out.keyword = RedactKeyword::kPrune;
      break;
    case Node::Variable::kDescend:
      out.keyword = RedactKeyword::kDescend;
      break;
  }
  return out;
}

ExprValue EvalOperator(const Node& node, const Context& ctx) {
  const std::vector<Node>& args = node.children;
  auto compare = [&]() {
    return CompareValues(Comparable(Eval(args[0], ctx)), Comparable(Eval(args[1], ctx)));
  };
  switch (node.op) {
    case Node::Op::kEq:
      return Bool(compare() == 0);
    case Node::Op::kNe:
      return Bool(compare() != 0);
    case Node::Op::kGt:
      return Bool(compare() > 0);
    case Node::Op::kGte:
      return Bool(compare() >= 0);
    case Node::Op::kLt:
      return Bool(compare() < 0);
    case Node::Op::kLte:
      return Bool(compare() <= 0);
    case Node::Op::kCmp: {
      const int c = compare();
      return Int32(c < 0 ? -1 : c > 0 ? 1 : 0);
    }
    case Node::Op::kAnd:
      return Bool(std::all_of(args.begin(), args.end(),
                              [&](const Node& a) { return TrueValue(Eval(a, ctx)); }));
    case Node::Op::kOr:
      return Bool(std::any_of(args.begin(), args.end(),
                              [&](const Node& a) { return TrueValue(Eval(a, ctx)); }));
    case Node::Op::kNot:
      return Bool(!TrueValue(Eval(args[0], ctx)));
    case Node::Op::kCond:
      return Eval(TrueValue(Eval(args[0], ctx)) ? args[1] : args[2], ctx);
    case Node::Op::kIfNull:
      for (size_t i = 0; i + 1 < args.size(); ++i) {
        ExprValue v = Eval(args[i], ctx);
        if (!v.missing && v.value.value_type != BSON_TYPE_NULL &&
            v.value.value_type != BSON_TYPE_UNDEFINED) {
          return v;
        }
      }
      return Eval(args.back(), ctx);
  }
  return ExprValue{};
}

ExprValue Eval(const Node& node, const Context& ctx) {
  switch (node.kind) {
    case Node::Kind::kConstant:
      return Present(node.constant);
    case Node::Kind::kPath:
      return EvalPath(node, ctx);
    case Node::Kind::kVariable:
      return EvalVariable(node, ctx);
    case Node::Kind::kOperator:
      return EvalOperator(node, ctx);
    case Node::Kind::kObject: {
      common::BsonPtr doc = common::NewBson();
      for (size_t i = 0; i < node.children.size(); ++i) {
        AppendExprValue(doc.get(), node.names[i], Eval(node.children[i], ctx));
      }
      return Present(ctx.arena.Keep(std::move(doc), false));
    }
    case Node::Kind::kArray: {
      // A missing element becomes null, as in MongoDB.
      common::BsonPtr array = common::NewBson();
      for (size_t i = 0; i < node.children.size(); ++i) {
        ExprValue v = Eval(node.children[i], ctx);
        if (v.missing) v = Present(NullValue());
        AppendExprValue(array.get(), std::to_string(i), v);
      }
      return Present(ctx.arena.Keep(std::move(array), true));
    }
  }
  return ExprValue{};
}

}  // namespace

bson_value_t ExprArena::Keep(common::BsonPtr doc, bool as_array) {
  docs_.push_back(std::move(doc));
  bson_value_t v = DocumentValue(*docs_.back());
  if (as_array) v.value_type = BSON_TYPE_ARRAY;
  return v;
}

ExprValue Expression::Evaluate(const bson_t& root, const bson_t& current, ExprArena& arena) const {
  if (root_ == nullptr) return ExprValue{};
  return Eval(*root_, Context{root, current, arena});
}

bool TrueValue(const ExprValue& value) {
  if (value.missing) return false;
  const bson_value_t& v = value.value;
  switch (v.value_type) {
    case BSON_TYPE_BOOL:
      return v.value.v_bool;
    case BSON_TYPE_INT32:
      return v.value.v_int32 != 0;
    case BSON_TYPE_INT64:
      return v.value.v_int64 != 0;
    case BSON_TYPE_DOUBLE:
      return v.value.v_double != 0;
    case BSON_TYPE_DECIMAL128: {
      // Zero whatever its exponent; NaN and infinities (combination 11...) are true.
      const uint64_t high = v.value.v_decimal128.high;
      const bool special = ((high >> 61) & 3) == 3;
      return special || v.value.v_decimal128.low != 0 || (high & 0x0001ffffffffffffull) != 0;
    }
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_EOD:
      return false;
    default:
      return true;
  }
}

void AppendExprValue(bson_t* out, std::string_view key, const ExprValue& value) {
  if (value.missing) return;
  bson_append_value(out, key.data(), static_cast<int>(key.size()), &value.value);
}

}  // namespace devmongod::query
