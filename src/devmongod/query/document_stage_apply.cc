// DocumentStage::Apply and the field setting of $addFields/$set.
#include <string>
#include <string_view>

#include "devmongod/query/document_stage.h"
#include "devmongod/query/errors.h"
#include "devmongod/query/path_walk.h"

namespace devmongod::query {
namespace {

// Nesting $redact descends into before giving up (the stack is the limit).
constexpr int kMaxRedactDepth = 200;

std::string_view KeyOf(const bson_iter_t& iter) {
  return std::string_view(bson_iter_key(&iter), bson_iter_key_len(&iter));
}

void AppendDocument(bson_t* out, std::string_view key, const bson_t& doc, bool as_array) {
  if (as_array) {
    bson_append_array(out, key.data(), static_cast<int>(key.size()), &doc);
  } else {
    bson_append_document(out, key.data(), static_cast<int>(key.size()), &doc);
  }
}

common::BsonPtr SetIn(const bson_iter_t* fields, const std::vector<std::string>& path, size_t i,
                      const ExprValue& value);

// A path through an array is set in every element; an element that is not
// a document (or array) is replaced by a new document holding the rest.
common::BsonPtr SetInArray(const bson_iter_t& elements, const std::vector<std::string>& path,
                           size_t i, const ExprValue& value) {
  common::BsonPtr out = common::NewBson();
  bson_iter_t item = elements;
  uint32_t index = 0;
  while (bson_iter_next(&item)) {
    const std::string key = std::to_string(index++);
    bson_iter_t children;
    if (BSON_ITER_HOLDS_ARRAY(&item) && bson_iter_recurse(&item, &children)) {
      AppendDocument(out.get(), key, *SetInArray(children, path, i, value), true);
    } else if (BSON_ITER_HOLDS_DOCUMENT(&item) && bson_iter_recurse(&item, &children)) {
      AppendDocument(out.get(), key, *SetIn(&children, path, i, value), false);
    } else {
      AppendDocument(out.get(), key, *SetIn(nullptr, path, i, value), false);
    }
  }
  return out;
}

// The document `fields` iterates (none: an empty one) with path[i..] set.
common::BsonPtr SetIn(const bson_iter_t* fields, const std::vector<std::string>& path, size_t i,
                      const ExprValue& value) {
  common::BsonPtr out = common::NewBson();
  const bool last = i + 1 == path.size();
  bool found = false;
  if (fields != nullptr) {
    bson_iter_t field = *fields;
    while (bson_iter_next(&field)) {
      const std::string_view key = KeyOf(field);
      if (key != path[i]) {
        bson_iter_t copy = field;
        bson_append_iter(out.get(), key.data(), static_cast<int>(key.size()), &copy);
        continue;
      }
      found = true;
      bson_iter_t children;
      if (last) {
        AppendExprValue(out.get(), key, value);
      } else if (BSON_ITER_HOLDS_ARRAY(&field) && bson_iter_recurse(&field, &children)) {
        AppendDocument(out.get(), key, *SetInArray(children, path, i + 1, value), true);
      } else if (BSON_ITER_HOLDS_DOCUMENT(&field) && bson_iter_recurse(&field, &children)) {
        AppendDocument(out.get(), key, *SetIn(&children, path, i + 1, value), false);
      } else {
        AppendDocument(out.get(), key, *SetIn(nullptr, path, i + 1, value), false);
      }
    }
  }
  if (!found && !value.missing) {
    if (last) {
      AppendExprValue(out.get(), path[i], value);
    } else {
      AppendDocument(out.get(), path[i], *SetIn(nullptr, path, i + 1, value), false);
    }
  }
  return out;
}

bson_t ViewOf(const bson_value_t& value) {
  bson_t view;
  if (!bson_init_static(&view, value.value.v_doc.data, value.value.v_doc.data_len))
    bson_init(&view);
  return view;
}

const char* TypeName(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_UTF8:
      return "string";
    case BSON_TYPE_ARRAY:
      return "array";
    case BSON_TYPE_NULL:
      return "null";
    case BSON_TYPE_BOOL:
      return "bool";
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_DECIMAL128:
      return "number";
    default:
      return "non-object";
  }
}

class Redactor {
 public:
  Redactor(const Expression& expression, const bson_t& root)
      : expression_(expression), root_(root) {}

  // The redacted document, null when pruned.
  std::expected<common::BsonPtr, Error> Document(const bson_t& current, int depth) {
    if (depth > kMaxRedactDepth)
      return std::unexpected(BadValue("$redact: document nested too deep"));
    ExprArena arena;
    const ExprValue decision = expression_.Evaluate(root_, current, arena);
    switch (decision.keyword) {
      case RedactKeyword::kKeep:
        return common::CopyBson(current);
      case RedactKeyword::kPrune:
        return common::BsonPtr();
      case RedactKeyword::kDescend:
        break;
      case RedactKeyword::kNone:
        return std::unexpected(LocationError(
            17053,
            "$redact's expression should not return anything aside from the variables "
            "$$KEEP, $$DESCEND, and $$PRUNE"));
    }
    common::BsonPtr out = common::NewBson();
    bson_iter_t field;
    bson_iter_init(&field, &current);
    while (bson_iter_next(&field)) {
      if (auto kept = Value(field, KeyOf(field), depth, out.get()); !kept) {
        return std::unexpected(kept.error());
      }
    }
    return out;
  }

 private:
  // Appends the redacted form of one field or array element.
  std::expected<void, Error> Value(const bson_iter_t& at, std::string_view key, int depth,
                                   bson_t* out) {
    bson_iter_t children;
    if (BSON_ITER_HOLDS_DOCUMENT(&at)) {
      bson_t sub = ViewOf(ValueOf(at));
      auto redacted = Document(sub, depth + 1);
      if (!redacted) return std::unexpected(redacted.error());
      if (*redacted) AppendDocument(out, key, **redacted, false);
    } else if (BSON_ITER_HOLDS_ARRAY(&at) && bson_iter_recurse(&at, &children)) {
      common::BsonPtr array = common::NewBson();
      uint32_t index = 0;
      while (bson_iter_next(&children)) {
        // Pruned elements leave no hole: the keys are renumbered.
        const std::string element_key = std::to_string(index);
        const uint32_t before = array->len;
        auto kept = Value(children, element_key, depth + 1, array.get());
        if (!kept) return kept;
        if (array->len != before) ++index;
      }
      AppendDocument(out, key, *array, true);
    } else {
      bson_iter_t copy = at;
      bson_append_iter(out, key.data(), static_cast<int>(key.size()), &copy);
    }
    return {};
  }

  const Expression& expression_;
  const bson_t& root_;
};

}  // namespace

common::BsonPtr SetPath(const bson_t& doc, const std::vector<std::string>& path,
                        const ExprValue& value) {
  bson_iter_t fields;
  if (path.empty() || !bson_iter_init(&fields, &doc)) return common::CopyBson(doc);
  return SetIn(&fields, path, 0, value);
}

common::BsonPtr DocumentStage::SetFields(const bson_t& doc, ExprArena& arena) const {
  // Every expression sees the input document, not the fields set before it.
  std::vector<ExprValue> values;
  values.reserve(fields_.size());
  for (const auto& [path, expression] : fields_)
    values.push_back(expression.Evaluate(doc, doc, arena));
  common::BsonPtr out = kind_ == Kind::kProject
                            ? (project_from_empty_ ? common::NewBson() : projection_->Apply(doc))
                            : common::CopyBson(doc);
  for (size_t i = 0; i < fields_.size(); ++i) out = SetPath(*out, fields_[i].first, values[i]);
  return out;
}

std::expected<DocumentStage::Output, Error> DocumentStage::Apply(const bson_t& doc) const {
  // $match first and without an arena: change-stream filters run per event.
  if (kind_ == Kind::kMatch) return Output{matcher_->Matches(doc), nullptr};
  ExprArena arena;
  switch (kind_) {
    case Kind::kMatch:
      break;
    case Kind::kProject:
      if (fields_.empty()) return Output{true, projection_->Apply(doc)};
      return Output{true, SetFields(doc, arena)};
    case Kind::kAddFields:
      return Output{true, SetFields(doc, arena)};
    case Kind::kUnset:
      return Output{true, projection_->Apply(doc)};
    case Kind::kReplaceRoot: {
      const ExprValue root = expression_->Evaluate(doc, doc, arena);
      if (root.missing || root.value.value_type != BSON_TYPE_DOCUMENT) {
        return std::unexpected(LocationError(
            40228, std::string("'newRoot' expression must evaluate to an object, but resulting "
                               "value was of type ") +
                       (root.missing ? "missing" : TypeName(root.value.value_type))));
      }
      bson_t view = ViewOf(root.value);
      return Output{true, common::CopyBson(view)};
    }
    case Kind::kRedact:
      return Redact(doc);
  }
  return Output{};
}

std::expected<DocumentStage::Output, Error> DocumentPipeline::Apply(const bson_t& doc) const {
  DocumentStage::Output result;
  const bson_t* current = &doc;
  for (const DocumentStage& stage : stages_) {
    auto output = stage.Apply(*current);
    if (!output) return std::unexpected(output.error());
    if (!output->keep) return DocumentStage::Output{false, nullptr};
    if (output->doc) {
      result.doc = std::move(output->doc);
      current = result.doc.get();
    }
  }
  return result;
}

std::expected<DocumentStage::Output, Error> DocumentStage::Redact(const bson_t& doc) const {
  Redactor redactor(*expression_, doc);
  auto redacted = redactor.Document(doc, 0);
  if (!redacted) return std::unexpected(redacted.error());
  if (!*redacted) return Output{false, nullptr};
  return Output{true, std::move(*redacted)};
}

}  // namespace devmongod::query
