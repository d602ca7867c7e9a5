// The expressions $group accepts for _id and accumulator arguments: a field
// path "$a.b" or a constant (number, string not starting with $, null, bool,
// ...). Field paths follow LookupPath: embedded documents and numeric array
// indexes, without MongoDB's aggregation rule that "$a.b" over an array of
// documents yields an array; that case evaluates as missing.
// Thread-safety: immutable after parsing.
#pragma once

#include <bson/bson.h>

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "devmongod/query/query.h"

namespace devmongod::query {

class GroupExpression {
 public:
  // `value` must outlive the expression (a constant is a view into it).
  // `context` names the expression in error messages ("_id", "$sum").
  static std::expected<GroupExpression, Error> Parse(const bson_iter_t& value,
                                                     std::string_view context);

  // The value for `doc` (a view into `doc` or into the parsed stage), or
  // nullopt when the path is missing.
  std::optional<bson_value_t> Evaluate(const bson_t& doc) const;

  bool is_constant() const { return path_.empty(); }
  const bson_value_t& constant() const { return constant_; }

 private:
  std::string path_;  // without the '$'; empty for constants
  bson_value_t constant_{};
};

}  // namespace devmongod::query
