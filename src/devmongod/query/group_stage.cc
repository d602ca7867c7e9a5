#include "devmongod/query/group_stage.h"

#include <map>
#include <optional>
#include <string_view>

#include "devmongod/query/errors.h"
#include "devmongod/query/value_order.h"

namespace devmongod::query {
namespace {

std::string_view KeyOf(const bson_iter_t& iter) {
  return std::string_view(bson_iter_key(&iter), bson_iter_key_len(&iter));
}

struct ValueLess {
  bool operator()(const bson_value_t& a, const bson_value_t& b) const {
    return CompareValues(a, b) < 0;
  }
};

}  // namespace

std::expected<GroupStage, Error> GroupStage::Parse(const bson_iter_t& spec) {
  bson_iter_t fields;
  if (!BSON_ITER_HOLDS_DOCUMENT(&spec) || !bson_iter_recurse(&spec, &fields)) {
    return std::unexpected(TypeMismatch("a group's fields must be specified in an object"));
  }
  GroupStage stage;
  bool have_id = false;
  while (bson_iter_next(&fields)) {
    const std::string_view name = KeyOf(fields);
    if (name == "_id") {
      if (have_id) return std::unexpected(BadValue("$group: _id specified twice"));
      auto id = GroupExpression::Parse(fields, "_id");
      if (!id) return std::unexpected(id.error());
      stage.id_ = *id;
      have_id = true;
      continue;
    }
    if (name.empty() || name.front() == '$' || name.find('.') != std::string_view::npos) {
      return std::unexpected(BadValue("$group: invalid output field name '" + std::string(name) +
                                      "' (no '.', no leading '$')"));
    }
    for (const OutputField& existing : stage.fields_) {
      if (existing.name == name) {
        return std::unexpected(BadValue("$group: duplicate field '" + std::string(name) + "'"));
      }
    }
    bson_iter_t accumulator;
    if (!BSON_ITER_HOLDS_DOCUMENT(&fields) || !bson_iter_recurse(&fields, &accumulator) ||
        !bson_iter_next(&accumulator)) {
      return std::unexpected(
          BadValue("$group: the field '" + std::string(name) + "' must be an accumulator object"));
    }
    const std::string_view op_name = KeyOf(accumulator);
    const std::optional<AccumulatorOp> op = AccumulatorFromName(op_name);
    if (!op) {
      return std::unexpected(
          BadValue("$group: unknown or unsupported group operator '" + std::string(op_name) + "'"));
    }
    auto argument = GroupExpression::Parse(accumulator, op_name);
    if (!argument) return std::unexpected(argument.error());
    if (bson_iter_next(&accumulator)) {
      return std::unexpected(
          BadValue("$group: the field '" + std::string(name) + "' must specify one accumulator"));
    }
    stage.fields_.push_back(OutputField{std::string(name), *op, *argument});
  }
  if (!have_id) return std::unexpected(BadValue("a group specification must include an _id"));
  return stage;
}

std::vector<common::BsonPtr> GroupStage::Run(std::span<const bson_t* const> docs) const {
  struct Group {
    bson_value_t key;  // a view into an input document (alive during Run)
    std::vector<AccumulatorState> states;
  };
  std::vector<Group> groups;
  std::map<bson_value_t, size_t, ValueLess> index;  // key -> position in `groups`
  for (const bson_t* doc : docs) {
    const bson_value_t key = id_.Evaluate(*doc).value_or(NullValue());
    auto [slot, inserted] = index.try_emplace(key, groups.size());
    if (inserted) {
      Group group{key, {}};
      group.states.reserve(fields_.size());
      for (const OutputField& field : fields_) group.states.emplace_back(field.op);
      groups.push_back(std::move(group));
    }
    Group& group = groups[slot->second];
    for (size_t i = 0; i < fields_.size(); ++i) {
      group.states[i].Add(fields_[i].argument.Evaluate(*doc));
    }
  }
  std::vector<common::BsonPtr> out;
  out.reserve(groups.size());
  for (const Group& group : groups) {
    common::BsonPtr result = common::NewBson();
    bson_append_value(result.get(), "_id", 3, &group.key);
    for (size_t i = 0; i < fields_.size(); ++i) {
      group.states[i].AppendResult(result.get(), fields_[i].name);
    }
    out.push_back(std::move(result));
  }
  return out;
}

}  // namespace devmongod::query
