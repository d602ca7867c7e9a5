#include "devmongod/engine/update_spec.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <optional>

#include "devmongod/engine/editable_document.h"
#include "devmongod/query/query.h"

namespace devmongod {
namespace {

const std::map<std::string, int, std::less<>>& OperatorNames() {
  static const std::map<std::string, int, std::less<>> kNames = {
      {"$set", 0}, {"$unset", 1},       {"$inc", 2},  {"$min", 3},
      {"$max", 4}, {"$currentDate", 5}, {"$push", 6}, {"$setOnInsert", 7}};
  return kNames;
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

bool IsNumber(bson_type_t type) {
  return type == BSON_TYPE_INT32 || type == BSON_TYPE_INT64 || type == BSON_TYPE_DOUBLE;
}

bool IsIndex(const std::string& part, size_t* index) {
  if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string::npos)
    return false;
  *index = static_cast<size_t>(std::stoul(part));
  return true;
}

// By value: bson_iter_value points into the iterator, which ends here (the
// value's own pointers point into `argument`, which lives on).
bson_value_t ArgumentValue(const common::BsonPtr& argument) {
  bson_iter_t iter;
  bson_iter_init_find(&iter, argument.get(), "v");
  return *bson_iter_value(&iter);
}

// The sum as $inc makes it: int32 while it fits, then int64, double if
// either side is one; EOD when it overflows 64 bits.
bson_value_t Add(const bson_value_t& a, const bson_value_t& b) {
  bson_value_t out{};
  auto as_double = [](const bson_value_t& v) {
    return v.value_type == BSON_TYPE_DOUBLE  ? v.value.v_double
           : v.value_type == BSON_TYPE_INT64 ? static_cast<double>(v.value.v_int64)
                                             : static_cast<double>(v.value.v_int32);
  };
  auto as_int64 = [](const bson_value_t& v) {
    return v.value_type == BSON_TYPE_INT64 ? v.value.v_int64 : int64_t{v.value.v_int32};
  };
  if (a.value_type == BSON_TYPE_DOUBLE || b.value_type == BSON_TYPE_DOUBLE) {
    out.value_type = BSON_TYPE_DOUBLE;
    out.value.v_double = as_double(a) + as_double(b);
    return out;
  }
  int64_t sum = 0;
  if (__builtin_add_overflow(as_int64(a), as_int64(b), &sum)) {
    out.value_type = BSON_TYPE_EOD;  // mongod refuses an integer $inc that overflows
    return out;
  }
  const bool wide = a.value_type == BSON_TYPE_INT64 || b.value_type == BSON_TYPE_INT64 ||
                    sum > std::numeric_limits<int32_t>::max() ||
                    sum < std::numeric_limits<int32_t>::min();
  out.value_type = wide ? BSON_TYPE_INT64 : BSON_TYPE_INT32;
  if (wide)
    out.value.v_int64 = sum;
  else
    out.value.v_int32 = static_cast<int32_t>(sum);
  return out;
}

bool SameBytes(const EditableValue& a, const EditableValue& b) {
  common::BsonPtr x = common::NewBson(), y = common::NewBson();
  a.AppendTo(x.get(), "v");
  b.AppendTo(y.get(), "v");
  return x->len == y->len &&
         std::memcmp(bson_get_data(x.get()), bson_get_data(y.get()), x->len) == 0;
}

std::string TypeName(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_UTF8:
      return "string";
    case BSON_TYPE_DOCUMENT:
      return "object";
    case BSON_TYPE_ARRAY:
      return "array";
    case BSON_TYPE_NULL:
      return "null";
    case BSON_TYPE_BOOL:
      return "bool";
    case BSON_TYPE_DATE_TIME:
      return "date";
    case BSON_TYPE_OID:
      return "objectId";
    default:
      return IsNumber(type) ? "number" : "other";
  }
}

// Where a path ends: the container holding the last part, created on the
// way when `create`; null when the path is absent (and not created).
struct Target {
  EditableValue* container = nullptr;
  std::string last;
};

std::expected<Target, CommandError> Resolve(EditableValue& root, const std::string& path,
                                            bool create) {
  const std::vector<std::string> parts = SplitPath(path);
  EditableValue* current = &root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    EditableValue* next = nullptr;
    size_t index = 0;
    if (current->kind() == EditableValue::Kind::kDocument) {
      next = current->Field(parts[i]);
      if (next == nullptr) {
        if (!create) return Target{};
        current->SetField(parts[i], EditableValue::EmptyDocument());
        next = current->Field(parts[i]);
      }
    } else if (current->kind() == EditableValue::Kind::kArray && IsIndex(parts[i], &index) &&
               index < current->items().size()) {
      next = &current->items()[index];
    } else {
      if (!create) return Target{};
      return std::unexpected(MakeError(
          28, "PathNotViable",
          "Cannot create field '" + parts[i + 1] + "' in element at path '" + path + "'"));
    }
    current = next;
  }
  if (current->kind() == EditableValue::Kind::kScalar) {
    if (!create) return Target{};
    return std::unexpected(
        MakeError(28, "PathNotViable",
                  "Cannot create field '" + parts.back() + "' in element at path '" + path + "'"));
  }
  return Target{current, parts.back()};
}

EditableValue* Get(const Target& target) {
  if (target.container == nullptr) return nullptr;
  if (target.container->kind() == EditableValue::Kind::kDocument) {
    return target.container->Field(target.last);
  }
  size_t index = 0;
  if (IsIndex(target.last, &index) && index < target.container->items().size()) {
    return &target.container->items()[index];
  }
  return nullptr;
}

std::expected<void, CommandError> Put(const Target& target, EditableValue value) {
  if (target.container->kind() == EditableValue::Kind::kDocument) {
    target.container->SetField(target.last, std::move(value));
    return {};
  }
  size_t index = 0;
  if (!IsIndex(target.last, &index)) {
    return std::unexpected(
        MakeError(28, "PathNotViable", "Cannot create field '" + target.last + "' in an array"));
  }
  auto& items = target.container->items();
  if (index > 1'000'000) return std::unexpected(BadValue("array index too large"));
  while (items.size() <= index) {
    bson_value_t null_value{};
    null_value.value_type = BSON_TYPE_NULL;
    items.push_back(EditableValue::FromValue(null_value));
  }
  items[index] = std::move(value);
  return {};
}

}  // namespace

std::expected<void, CommandError> UpdateSpec::AddOperator(const std::string& name,
                                                          const bson_iter_t& fields,
                                                          std::vector<Op>* ops) {
  auto known = OperatorNames().find(name);
  if (known == OperatorNames().end()) {
    return std::unexpected(FailedToParse("Unknown modifier: " + name +
                                         ". Expected a valid update modifier or pipeline-style "
                                         "update specified as an array"));
  }
  if (!BSON_ITER_HOLDS_DOCUMENT(&fields)) {
    return std::unexpected(FailedToParse("Modifiers operate on fields but we found type " +
                                         TypeName(bson_iter_type(&fields)) + " instead"));
  }
  const auto kind = static_cast<OpKind>(known->second);
  bson_iter_t field;
  bson_iter_recurse(&fields, &field);
  while (bson_iter_next(&field)) {
    std::string path = bson_iter_key(&field);
    for (const std::string& part : SplitPath(path)) {
      if (part.empty() || part[0] == '$') {
        return std::unexpected(BadValue("The update path '" + path +
                                        "' contains an empty field name or a $ operator, "
                                        "which is not allowed."));
      }
    }
    const bson_type_t type = bson_iter_type(&field);
    if (kind == OpKind::kInc && !IsNumber(type)) {
      return std::unexpected(
          TypeMismatch("Cannot increment with non-numeric argument: {" + path + ": ...}"));
    }
    if (kind == OpKind::kCurrentDate) {
      bool valid = type == BSON_TYPE_BOOL;
      if (BSON_ITER_HOLDS_DOCUMENT(&field)) {
        bson_iter_t spec;
        valid = bson_iter_recurse(&field, &spec) && bson_iter_find(&spec, "$type") &&
                BSON_ITER_HOLDS_UTF8(&spec) &&
                (std::strcmp(bson_iter_utf8(&spec, nullptr), "date") == 0 ||
                 std::strcmp(bson_iter_utf8(&spec, nullptr), "timestamp") == 0);
      }
      if (!valid) {
        return std::unexpected(
            BadValue("$currentDate takes true or {$type: \"date\"} or {$type: \"timestamp\"}"));
      }
    }
    for (const Op& other : *ops) {
      const std::string& a = other.path.size() <= path.size() ? other.path : path;
      const std::string& b = other.path.size() <= path.size() ? path : other.path;
      if (b == a || (b.compare(0, a.size(), a) == 0 && b[a.size()] == '.')) {
        return std::unexpected(
            MakeError(40, "ConflictingUpdateOperators",
                      "Updating the path '" + path + "' would create a conflict at '" + a + "'"));
      }
    }
    common::BsonPtr argument = common::NewBson();
    bson_append_iter(argument.get(), "v", 1, &field);
    ops->push_back(Op{kind, std::move(path), std::move(argument)});
  }
  return {};
}

std::expected<UpdateSpec, CommandError> UpdateSpec::Parse(const bson_iter_t& update) {
  if (BSON_ITER_HOLDS_ARRAY(&update)) {
    return std::unexpected(BadValue("pipeline-style updates are not supported by devmongod"));
  }
  if (!BSON_ITER_HOLDS_DOCUMENT(&update)) {
    return std::unexpected(TypeMismatch("the update must be an object"));
  }
  UpdateSpec spec;
  bson_iter_t field;
  bson_iter_recurse(&update, &field);
  bool operators = false, plain = false;
  while (bson_iter_next(&field)) {
    const std::string name = bson_iter_key(&field);
    if (!name.empty() && name[0] == '$') {
      operators = true;
      if (auto added = AddOperator(name, field, &spec.ops_); !added)
        return std::unexpected(added.error());
    } else {
      plain = true;
    }
  }
  if (operators && plain) {
    return std::unexpected(
        FailedToParse("Unknown modifier: a field name without $ next to update operators"));
  }
  if (!operators) {
    uint32_t length = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&update, &length, &data);
    spec.replacement_ = common::BsonPtr(bson_new_from_data(data, length));
  }
  return spec;
}

namespace {

using NextResult = std::expected<std::optional<EditableValue>, CommandError>;

NextResult IncValue(const std::string& path, const bson_value_t& argument,
                    const EditableValue* current) {
  if (current == nullptr) return EditableValue::FromValue(argument);
  if (current->kind() != EditableValue::Kind::kScalar || !IsNumber(current->type())) {
    return std::unexpected(
        TypeMismatch("Cannot apply $inc to a value of non-numeric type. The field '" + path +
                     "' is of type " + TypeName(current->type())));
  }
  const bson_value_t sum = Add(current->scalar(), argument);
  if (sum.value_type == BSON_TYPE_EOD) {
    return std::unexpected(
        BadValue("Failed to apply $inc to '" + path + "': the result overflows a 64-bit integer"));
  }
  return EditableValue::FromValue(sum);
}

// $min (`want_smaller`) or $max: the argument when it beats the current value.
std::optional<EditableValue> MinMaxValue(const bson_value_t& argument, const EditableValue* current,
                                         bool want_smaller) {
  if (current == nullptr) return EditableValue::FromValue(argument);
  common::BsonPtr holder = common::NewBson();
  current->AppendTo(holder.get(), "v");
  bson_iter_t now;
  bson_iter_init_find(&now, holder.get(), "v");
  const int order = query::CompareValues(argument, *bson_iter_value(&now));
  if (want_smaller ? order < 0 : order > 0) return EditableValue::FromValue(argument);
  return std::nullopt;
}

// $currentDate: a date, or a timestamp when the argument asks for {$type: "timestamp"}.
EditableValue CurrentDateValue(const bson_value_t& argument, int64_t now_ms) {
  bson_value_t stamp{};
  const bool timestamp = argument.value_type == BSON_TYPE_DOCUMENT &&
                         std::string_view(reinterpret_cast<const char*>(argument.value.v_doc.data),
                                          argument.value.v_doc.data_len)
                                 .find("timestamp") != std::string_view::npos;
  if (timestamp) {
    stamp.value_type = BSON_TYPE_TIMESTAMP;
    stamp.value.v_timestamp.timestamp = static_cast<uint32_t>(now_ms / 1000);
    stamp.value.v_timestamp.increment = 1;
  } else {
    stamp.value_type = BSON_TYPE_DATE_TIME;
    stamp.value.v_datetime = now_ms;
  }
  return EditableValue::FromValue(stamp);
}

// $push of one value or of {$each: [...]}; `holder` is {v: <argument>}.
NextResult PushValue(const std::string& path, const bson_value_t& argument, const bson_t& holder,
                     EditableValue* current) {
  EditableValue array = current ? std::move(*current) : EditableValue::EmptyArray();
  if (array.kind() != EditableValue::Kind::kArray) {
    return std::unexpected(BadValue("The field '" + path + "' must be an array but is of type " +
                                    TypeName(array.type())));
  }
  bson_iter_t each;
  if (argument.value_type == BSON_TYPE_DOCUMENT && bson_iter_init_find(&each, &holder, "v") &&
      bson_iter_recurse(&each, &each) && bson_iter_find(&each, "$each")) {
    if (!BSON_ITER_HOLDS_ARRAY(&each)) {
      return std::unexpected(BadValue("The argument to $each in $push must be an array"));
    }
    bson_iter_t item;
    bson_iter_recurse(&each, &item);
    while (bson_iter_next(&item)) array.items().push_back(EditableValue::FromIter(item));
  } else {
    array.items().push_back(EditableValue::FromValue(argument));
  }
  return array;
}

}  // namespace

// The value an operator puts at its path (nullopt: it leaves it as it is).
std::expected<std::optional<EditableValue>, CommandError> UpdateSpec::NextValue(
    const Op& op, EditableValue* current, int64_t now_ms) {
  const bson_value_t argument = ArgumentValue(op.argument);
  switch (op.kind) {
    case OpKind::kSet:
    case OpKind::kSetOnInsert:
      return EditableValue::FromValue(argument);
    case OpKind::kInc:
      return IncValue(op.path, argument, current);
    case OpKind::kMin:
    case OpKind::kMax:
      return MinMaxValue(argument, current, op.kind == OpKind::kMin);
    case OpKind::kCurrentDate:
      return CurrentDateValue(argument, now_ms);
    case OpKind::kPush:
      return PushValue(op.path, argument, *op.argument, current);
    case OpKind::kUnset:
      break;
  }
  return std::nullopt;
}

std::expected<UpdateOutcome, CommandError> UpdateSpec::Apply(const bson_t& doc, int64_t now_ms,
                                                             bool inserting) const {
  bson_iter_t id;
  const bool has_id = bson_iter_init_find(&id, &doc, "_id");
  UpdateOutcome outcome;
  outcome.updated_fields = common::NewBson();
  if (replacement_) {
    bson_iter_t new_id;
    if (bson_iter_init_find(&new_id, replacement_.get(), "_id") && has_id &&
        query::CompareValues(*bson_iter_value(&new_id), *bson_iter_value(&id)) != 0) {
      return std::unexpected(MakeError(66, "ImmutableField",
                                       "After applying the update, the (immutable) field '_id' "
                                       "was found to have been altered"));
    }
    outcome.doc = common::NewBson();
    if (has_id) bson_append_value(outcome.doc.get(), "_id", 3, bson_iter_value(&id));
    bson_iter_t field;
    bson_iter_init(&field, replacement_.get());
    while (bson_iter_next(&field)) {
      if (std::strcmp(bson_iter_key(&field), "_id") != 0 || !has_id) {
        bson_append_iter(outcome.doc.get(), bson_iter_key(&field), -1, &field);
      }
    }
    outcome.modified =
        outcome.doc->len != doc.len ||
        std::memcmp(bson_get_data(outcome.doc.get()), bson_get_data(&doc), doc.len) != 0;
    return outcome;
  }

  EditableValue root = EditableValue::FromDocument(doc);
  for (const Op& op : ops_) {
    if (op.kind == OpKind::kSetOnInsert && !inserting) continue;
    if (op.path == "_id" || op.path.rfind("_id.", 0) == 0) {
      if (op.kind == OpKind::kUnset || has_id) {
        // Setting _id to the value it has is allowed; anything else is not.
        if (op.kind != OpKind::kSet || !has_id ||
            query::CompareValues(ArgumentValue(op.argument), *bson_iter_value(&id)) != 0) {
          return std::unexpected(MakeError(66, "ImmutableField",
                                           "Performing an update on the path '_id' would modify "
                                           "the immutable field '_id'"));
        }
        continue;
      }
    }
    const bool removing = op.kind == OpKind::kUnset;
    auto target = Resolve(root, op.path, !removing);
    if (!target) return std::unexpected(target.error());
    EditableValue* current = Get(*target);
    if (removing) {
      if (current == nullptr) continue;
      if (target->container->kind() == EditableValue::Kind::kDocument) {
        target->container->RemoveField(target->last);
      } else {
        bson_value_t null_value{};
        null_value.value_type = BSON_TYPE_NULL;
        *current = EditableValue::FromValue(null_value);
      }
      outcome.removed_fields.push_back(op.path);
      outcome.modified = true;
      continue;
    }
    auto next = NextValue(op, current, now_ms);
    if (!next) return std::unexpected(next.error());
    if (!*next) continue;
    if (current != nullptr && SameBytes(*current, **next)) continue;
    (*next)->AppendTo(outcome.updated_fields.get(), op.path);
    if (auto put = Put(*target, std::move(**next)); !put) return std::unexpected(put.error());
    outcome.modified = true;
  }
  outcome.doc = root.ToBson();
  return outcome;
}

common::BsonPtr UpsertSeed(const bson_t& filter) {
  common::BsonPtr seed = common::NewBson();
  bson_iter_t id;
  bson_iter_t field;
  auto equality = [](bson_iter_t* value) {
    if (!BSON_ITER_HOLDS_DOCUMENT(value)) return true;
    bson_iter_t inner;
    bson_iter_recurse(value, &inner);
    if (!bson_iter_next(&inner)) return true;
    if (bson_iter_key(&inner)[0] != '$') return true;
    if (std::strcmp(bson_iter_key(&inner), "$eq") == 0 && !bson_iter_next(&inner)) {
      bson_iter_recurse(value, value);
      bson_iter_next(value);
      return true;
    }
    return false;
  };
  if (bson_iter_init_find(&id, &filter, "_id") && equality(&id)) {
    bson_append_value(seed.get(), "_id", 3, bson_iter_value(&id));
  }
  bson_iter_init(&field, &filter);
  while (bson_iter_next(&field)) {
    const char* key = bson_iter_key(&field);
    if (key[0] == '$' || std::strcmp(key, "_id") == 0 || std::strchr(key, '.') != nullptr) continue;
    bson_iter_t value = field;  // equality() may step into {$eq: v}
    if (!equality(&value)) continue;
    bson_append_value(seed.get(), key, -1, bson_iter_value(&value));
  }
  return seed;
}

}  // namespace devmongod
