#include "devmongod/query/matcher_ops.h"

#include <cmath>
#include <string>
#include <utility>

#include "devmongod/query/errors.h"
#include "devmongod/query/numeric_order.h"
#include "devmongod/query/value_order.h"

namespace devmongod::query {
namespace {

// MongoDB's $type aliases and their BSON type bytes (MinKey is -1, 0xFF).
constexpr std::pair<std::string_view, int> kTypeAliases[] = {
    {"double", 1},      {"string", 2},     {"object", 3},
    {"array", 4},       {"binData", 5},    {"undefined", 6},
    {"objectId", 7},    {"bool", 8},       {"date", 9},
    {"null", 10},       {"regex", 11},     {"dbPointer", 12},
    {"javascript", 13}, {"symbol", 14},    {"javascriptWithScope", 15},
    {"int", 16},        {"timestamp", 17}, {"long", 18},
    {"decimal", 19},    {"minKey", -1},    {"maxKey", 127}};

bool IsTypeCode(int code) { return (code >= 1 && code <= 19) || code == -1 || code == 127; }

MatcherStatus AddType(const bson_iter_t& item, FieldPredicate* p) {
  if (BSON_ITER_HOLDS_UTF8(&item)) {
    const std::string_view name(bson_iter_utf8(&item, nullptr));
    if (name == "number") {
      p->type_number = true;
      return {};
    }
    for (const auto& [alias, code] : kTypeAliases) {
      if (alias == name) {
        p->types.set(static_cast<uint8_t>(code));
        return {};
      }
    }
    return std::unexpected(BadValue("Unknown type name alias: " + std::string(name)));
  }
  if (BSON_ITER_HOLDS_NUMBER(&item) || BSON_ITER_HOLDS_DECIMAL128(&item)) {
    const double d = NumberToDouble(ValueOf(item));
    if (!std::isfinite(d) || d != std::trunc(d) || !IsTypeCode(static_cast<int>(d)) ||
        std::fabs(d) > 1000) {
      return std::unexpected(BadValue("Invalid numerical type code: " + std::to_string(d)));
    }
    p->types.set(static_cast<uint8_t>(static_cast<int>(d)));
    return {};
  }
  return std::unexpected(TypeMismatch("type must be represented as a number or a string"));
}

// A $mod argument: a number, truncated towards zero to a 64-bit integer.
std::expected<int64_t, Error> ModArgument(const bson_iter_t& item, const char* what) {
  if (!BSON_ITER_HOLDS_NUMBER(&item) && !BSON_ITER_HOLDS_DECIMAL128(&item)) {
    return std::unexpected(BadValue(std::string("malformed mod, ") + what + " not a number"));
  }
  if (BSON_ITER_HOLDS_INT32(&item)) return bson_iter_int32(&item);
  if (BSON_ITER_HOLDS_INT64(&item)) return bson_iter_int64(&item);
  const double d = std::trunc(NumberToDouble(ValueOf(item)));
  if (!std::isfinite(d) || d < -9.2e18 || d > 9.2e18) {
    return std::unexpected(BadValue(std::string("malformed mod, ") + what + " value is invalid"));
  }
  return static_cast<int64_t>(d);
}

}  // namespace

Matcher::Node MakePredicate(std::string_view path, PredicateOp op, bool negated,
                            const bson_value_t& operand) {
  Matcher::Node node;
  node.kind = Matcher::Node::Kind::kPredicate;
  node.predicate.path = CompiledPath(std::string(path));
  node.predicate.op = op;
  node.predicate.negated = negated;
  node.predicate.operand = operand;
  return node;
}

MatcherStatus CompileType(std::string_view path, const bson_iter_t& operand,
                          std::vector<Matcher::Node>* out) {
  Matcher::Node node = MakePredicate(path, PredicateOp::kType, false, NullValue());
  bson_iter_t items;
  if (BSON_ITER_HOLDS_ARRAY(&operand) && bson_iter_recurse(&operand, &items)) {
    while (bson_iter_next(&items)) {
      if (MatcherStatus s = AddType(items, &node.predicate); !s) return s;
    }
  } else if (MatcherStatus s = AddType(operand, &node.predicate); !s) {
    return s;
  }
  if (node.predicate.types.none() && !node.predicate.type_number) {
    return std::unexpected(Error{9, "FailedToParse", "$type must match at least one type"});
  }
  out->push_back(std::move(node));
  return {};
}

std::expected<Regex, Error> RegexFromLiteral(const bson_iter_t& literal) {
  const char* options = nullptr;
  const char* pattern = bson_iter_regex(&literal, &options);
  return Regex::Compile(pattern ? pattern : "", options ? options : "");
}

MatcherStatus CompileRegexOperator(std::string_view path, const bson_iter_t& operators,
                                   const bson_iter_t& regex, std::vector<Matcher::Node>* out) {
  std::string pattern, options;
  bool literal_options = false;
  if (BSON_ITER_HOLDS_UTF8(&regex)) {
    uint32_t len = 0;
    const char* s = bson_iter_utf8(&regex, &len);
    pattern.assign(s, len);
  } else if (BSON_ITER_HOLDS_REGEX(&regex)) {
    const char* flags = nullptr;
    pattern = bson_iter_regex(&regex, &flags);
    options = flags ? flags : "";
    literal_options = !options.empty();
  } else {
    return std::unexpected(BadValue("$regex has to be a string"));
  }
  bson_iter_t sibling = operators;
  while (bson_iter_next(&sibling)) {
    if (std::string_view(bson_iter_key(&sibling)) != "$options") continue;
    if (!BSON_ITER_HOLDS_UTF8(&sibling)) {
      return std::unexpected(BadValue("$options has to be a string"));
    }
    if (literal_options) {
      return std::unexpected(LocationError(51075, "options set in both $regex and $options"));
    }
    options = bson_iter_utf8(&sibling, nullptr);
  }
  auto compiled = Regex::Compile(pattern, options);
  if (!compiled) return std::unexpected(compiled.error());
  Matcher::Node node = MakePredicate(path, PredicateOp::kRegex, false, NullValue());
  node.predicate.regex = std::move(*compiled);
  out->push_back(std::move(node));
  return {};
}

MatcherStatus CompileMod(std::string_view path, const bson_iter_t& operand,
                         std::vector<Matcher::Node>* out) {
  bson_iter_t items;
  if (!BSON_ITER_HOLDS_ARRAY(&operand) || !bson_iter_recurse(&operand, &items)) {
    return std::unexpected(BadValue("malformed mod, needs to be an array"));
  }
  if (!bson_iter_next(&items))
    return std::unexpected(BadValue("malformed mod, not enough elements"));
  auto divisor = ModArgument(items, "divisor");
  if (!divisor) return std::unexpected(divisor.error());
  if (!bson_iter_next(&items))
    return std::unexpected(BadValue("malformed mod, not enough elements"));
  auto remainder = ModArgument(items, "remainder");
  if (!remainder) return std::unexpected(remainder.error());
  if (bson_iter_next(&items)) return std::unexpected(BadValue("malformed mod, too many elements"));
  if (*divisor == 0) return std::unexpected(BadValue("divisor cannot be 0"));
  Matcher::Node node = MakePredicate(path, PredicateOp::kMod, false, NullValue());
  node.predicate.mod_divisor = *divisor;
  node.predicate.mod_remainder = *remainder;
  out->push_back(std::move(node));
  return {};
}

MatcherStatus CompileSize(std::string_view path, const bson_iter_t& operand,
                          std::vector<Matcher::Node>* out) {
  int64_t size = 0;
  if (BSON_ITER_HOLDS_INT32(&operand)) {
    size = bson_iter_int32(&operand);
  } else if (BSON_ITER_HOLDS_INT64(&operand)) {
    size = bson_iter_int64(&operand);
    if (size != static_cast<int32_t>(size)) {
      return std::unexpected(BadValue("$size must be representable as a 32-bit integer"));
    }
  } else if (BSON_ITER_HOLDS_DOUBLE(&operand)) {
    const double d = bson_iter_double(&operand);
    if (!(d >= -2147483648.0 && d <= 2147483647.0) || d != std::trunc(d)) {
      return std::unexpected(BadValue("$size must be a whole number"));
    }
    size = static_cast<int64_t>(d);
  } else {
    return std::unexpected(BadValue("$size needs a number"));
  }
  if (size < 0) return std::unexpected(BadValue("$size may not be negative"));
  Matcher::Node node = MakePredicate(path, PredicateOp::kSize, false, NullValue());
  node.predicate.size = size;
  out->push_back(std::move(node));
  return {};
}

}  // namespace devmongod::query
