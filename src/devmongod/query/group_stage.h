// The $group aggregation stage: {$group: {_id: <expr>, <field>: {<acc>: <expr>}, ...}}
// with the expressions of group_expression.h and the accumulators of
// accumulator.h. Groups are emitted in the order their first document was
// seen (MongoDB leaves the order unspecified; a fixed one keeps tests and
// clients deterministic). Group keys compare with CompareValues, so 1 and
// 1.0 fall in the same group, as in MongoDB.
// Thread-safety: immutable after parsing; Run is const.
#pragma once

#include <bson/bson.h>

#include <expected>
#include <span>
#include <string>
#include <vector>

#include "common/bson_ptr.h"
#include "devmongod/query/accumulator.h"
#include "devmongod/query/group_expression.h"
#include "devmongod/query/query.h"

namespace devmongod::query {

class GroupStage {
 public:
  // `spec` is the iterator on the $group stage's value; the stage document
  // must outlive the GroupStage (constants are views into it).
  static std::expected<GroupStage, Error> Parse(const bson_iter_t& spec);

  std::vector<common::BsonPtr> Run(std::span<const bson_t* const> docs) const;

 private:
  struct OutputField {
    std::string name;
    AccumulatorOp op;
    GroupExpression argument;
  };

  GroupExpression id_;
  std::vector<OutputField> fields_;
};

}  // namespace devmongod::query
