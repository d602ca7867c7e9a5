// The `u` of an update statement (update, findAndModify): either update
// operators — $set, $unset, $inc, $min, $max, $currentDate, $push (with
// $each), $setOnInsert — on dotted paths, or a replacement document.
// Pipeline-style updates and arrayFilters are refused with BadValue.
// Errors are mongod's: 9 FailedToParse for an unknown modifier, 40
// ConflictingUpdateOperators, 14 TypeMismatch, 28 PathNotViable, 66
// ImmutableField (_id may not change), 2 BadValue.
// Thread-safety: an UpdateSpec is immutable; Apply is pure.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "common/bson_ptr.h"
#include "devmongod/engine/command_error.h"
#include "devmongod/engine/editable_document.h"

namespace devmongod {

struct UpdateOutcome {
  common::BsonPtr doc;    // the document after the update
  bool modified = false;  // it differs from the one before
  // For the change event's updateDescription (operator updates only).
  common::BsonPtr updated_fields;
  std::vector<std::string> removed_fields;
};

class UpdateSpec {
 public:
  static std::expected<UpdateSpec, CommandError> Parse(const bson_iter_t& update);

  bool replacement() const { return replacement_ != nullptr; }

  // Applies the update to `doc` (an insert's seed when `inserting`, when
  // $setOnInsert applies). The result keeps `doc`'s _id.
  std::expected<UpdateOutcome, CommandError> Apply(const bson_t& doc, int64_t now_ms,
                                                   bool inserting) const;

 private:
  enum class OpKind { kSet, kUnset, kInc, kMin, kMax, kCurrentDate, kPush, kSetOnInsert };
  struct Op {
    OpKind kind;
    std::string path;
    common::BsonPtr argument;  // {"v": the operator's value for this path}
  };
  static std::expected<std::optional<EditableValue>, CommandError> NextValue(const Op& op,
                                                                             EditableValue* current,
                                                                             int64_t now_ms);
  static std::expected<void, CommandError> AddOperator(const std::string& name,
                                                       const bson_iter_t& fields,
                                                       std::vector<Op>* ops);

  std::vector<Op> ops_;
  common::BsonPtr replacement_;
};

// One statement of an update command: {q, u, upsert, multi, hint}; `u` is
// read from `spec` when the statement runs.
struct UpdateStatement {
  common::BsonPtr spec;  // the whole statement
  common::BsonPtr filter;
  bool upsert = false;
  bool multi = false;
};

// The document an upsert starts from: the filter's top-level equalities
// (`{a: 1}`, `{a: {$eq: 1}}`), _id first.
common::BsonPtr UpsertSeed(const bson_t& filter);

}  // namespace devmongod
