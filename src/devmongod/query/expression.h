// Aggregation expressions, the small part devmongod evaluates: constants,
// field paths ("$a.b", with MongoDB's aggregation rule that a path over an
// array of documents yields the array of their values), the variables
// $$ROOT, $$CURRENT, $$REMOVE and $redact's $$KEEP/$$PRUNE/$$DESCEND,
// object and array literals, and the operators
//   $literal, $eq $ne $gt $gte $lt $lte $cmp, $and $or $not, $cond, $ifNull.
// Comparisons use MongoDB's total order over all types (no type bracketing,
// unlike query operators); a missing value sorts below null and equals only
// missing (so {$eq: ["$nofield", null]} is false, as in MongoDB).
// Any other operator is an error naming it when the expression is parsed:
// 168 InvalidPipelineOperator for names MongoDB does not know, BadValue
// "not supported by devmongod" for those it does.
// Thread-safety: immutable after parsing; Evaluate is const and reentrant.
#pragma once

#include <bson/bson.h>

#include <expected>
#include <memory>
#include <string_view>
#include <vector>

#include "common/bson_ptr.h"
#include "devmongod/query/query.h"

namespace devmongod::query {

// $redact's answers.
enum class RedactKeyword { kNone, kKeep, kPrune, kDescend };

// The value of an expression: a view into the document, the expression or
// the arena it was evaluated with, or missing.
struct ExprValue {
  bool missing = true;
  bson_value_t value{};
  RedactKeyword keyword = RedactKeyword::kNone;  // $$KEEP, $$PRUNE, $$DESCEND
};

// Owns the arrays and documents an evaluation builds; values stay valid as
// long as the arena (documents are never moved once added).
class ExprArena {
 public:
  // Adopts `doc` and returns it as an embedded document or array value.
  bson_value_t Keep(common::BsonPtr doc, bool as_array);

 private:
  std::vector<common::BsonPtr> docs_;  // the documents stay put when the vector grows
};

class Expression {
 public:
  // Parses the value the iterator is on; the expression keeps its own copy.
  static std::expected<Expression, Error> Parse(const bson_iter_t& value);

  // Evaluates with $$ROOT = `root` and $$CURRENT = `current` (usually the
  // same document; $redact descends with CURRENT on sub-documents).
  ExprValue Evaluate(const bson_t& root, const bson_t& current, ExprArena& arena) const;

  struct Node;  // defined in the implementation

 private:
  std::shared_ptr<const Node> root_;
};

// MongoDB's truthiness of a value (BSONElement::trueValue, Value::coerceToBool):
// false, null, undefined, missing and numeric zero are false.
bool TrueValue(const ExprValue& value);

// Appends `key: value` to `out` unless the value is missing.
void AppendExprValue(bson_t* out, std::string_view key, const ExprValue& value);

}  // namespace devmongod::query
