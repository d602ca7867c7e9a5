#include "devmongod/query/group_expression.h"

#include "devmongod/query/errors.h"
#include "devmongod/query/limits.h"
#include "devmongod/query/path_walk.h"
#include "devmongod/query/value_order.h"

namespace devmongod::query {

std::expected<GroupExpression, Error> GroupExpression::Parse(const bson_iter_t& value,
                                                             std::string_view context) {
  GroupExpression expression;
  const bson_value_t v = ValueOf(value);
  if (v.value_type == BSON_TYPE_DOCUMENT || v.value_type == BSON_TYPE_ARRAY) {
    return std::unexpected(BadValue("$group: object and array expressions for " +
                                    std::string(context) + " are not supported by devmongod"));
  }
  if (v.value_type == BSON_TYPE_UTF8) {
    const std::string_view text(v.value.v_utf8.str, v.value.v_utf8.len);
    if (text.starts_with("$$")) {
      return std::unexpected(BadValue("$group: variables such as '" + std::string(text) +
                                      "' are not supported by devmongod"));
    }
    if (text.starts_with("$")) {
      const std::string_view path = text.substr(1);
      if (path.empty() || PathComponentCount(path) > kMaxPathComponents) {
        return std::unexpected(BadValue("$group: invalid field path '" + std::string(text) +
                                        "' in " + std::string(context)));
      }
      expression.path_ = std::string(path);
      return expression;
    }
  }
  expression.constant_ = v;
  return expression;
}

std::optional<bson_value_t> GroupExpression::Evaluate(const bson_t& doc) const {
  if (path_.empty()) return constant_;
  bson_iter_t found;
  if (!LookupPath(doc, path_, &found)) return std::nullopt;
  return ValueOf(found);
}

}  // namespace devmongod::query
