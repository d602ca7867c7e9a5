// Compilers for the field operators whose operand needs parsing of its own:
// $type, $regex (with $options) and regex literals, $mod, $size (private to
// the query library; matcher_compile.cc dispatches to them). Each appends
// one predicate node for `path` or returns MongoDB's error.
// Thread-safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <expected>
#include <string_view>
#include <vector>

#include "devmongod/query/matcher_node.h"
#include "devmongod/query/query.h"

namespace devmongod::query {

using MatcherStatus = std::expected<void, Error>;

Matcher::Node MakePredicate(std::string_view path, PredicateOp op, bool negated,
                            const bson_value_t& operand);

// {$type: "string" | 2 | "number" | [..]}
MatcherStatus CompileType(std::string_view path, const bson_iter_t& operand,
                          std::vector<Matcher::Node>* out);
// {$regex: "re" | /re/, $options?: "i"}; `operators` iterates the whole
// operator document (for $options), `regex` is on the $regex field.
MatcherStatus CompileRegexOperator(std::string_view path, const bson_iter_t& operators,
                                   const bson_iter_t& regex, std::vector<Matcher::Node>* out);
// A BSON regex value (as a field's value, under $not or in $in).
std::expected<Regex, Error> RegexFromLiteral(const bson_iter_t& literal);
// {$mod: [divisor, remainder]}
MatcherStatus CompileMod(std::string_view path, const bson_iter_t& operand,
                         std::vector<Matcher::Node>* out);
// {$size: n}
MatcherStatus CompileSize(std::string_view path, const bson_iter_t& operand,
                          std::vector<Matcher::Node>* out);

}  // namespace devmongod::query
