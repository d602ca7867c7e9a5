#include "devmongod/engine/editable_document.h"

#include <algorithm>

namespace devmongod {

EditableValue EditableValue::FromIter(const bson_iter_t& iter) {
  EditableValue value;
  if (BSON_ITER_HOLDS_DOCUMENT(&iter) || BSON_ITER_HOLDS_ARRAY(&iter)) {
    value.kind_ = BSON_ITER_HOLDS_DOCUMENT(&iter) ? Kind::kDocument : Kind::kArray;
    bson_iter_t child;
    bson_iter_recurse(&iter, &child);
    while (bson_iter_next(&child)) {
      if (value.kind_ == Kind::kDocument) {
        value.fields_.emplace_back(bson_iter_key(&child), FromIter(child));
      } else {
        value.items_.push_back(FromIter(child));
      }
    }
    return value;
  }
  value.scalar_ = common::NewBson();
  bson_append_iter(value.scalar_.get(), "v", 1, &iter);
  bson_iter_t stored;
  bson_iter_init_find(&stored, value.scalar_.get(), "v");
  value.scalar_value_ = *bson_iter_value(&stored);
  return value;
}

EditableValue EditableValue::FromDocument(const bson_t& doc) {
  EditableValue value;
  value.kind_ = Kind::kDocument;
  bson_iter_t child;
  bson_iter_init(&child, &doc);
  while (bson_iter_next(&child)) value.fields_.emplace_back(bson_iter_key(&child), FromIter(child));
  return value;
}

EditableValue EditableValue::FromValue(const bson_value_t& v) {
  common::BsonPtr holder = common::NewBson();
  bson_append_value(holder.get(), "v", 1, &v);
  bson_iter_t iter;
  bson_iter_init_find(&iter, holder.get(), "v");
  return FromIter(iter);
}

EditableValue EditableValue::EmptyDocument() {
  EditableValue value;
  value.kind_ = Kind::kDocument;
  return value;
}

EditableValue EditableValue::EmptyArray() {
  EditableValue value;
  value.kind_ = Kind::kArray;
  return value;
}

bson_type_t EditableValue::type() const {
  switch (kind_) {
    case Kind::kDocument:
      return BSON_TYPE_DOCUMENT;
    case Kind::kArray:
      return BSON_TYPE_ARRAY;
    case Kind::kScalar:
      break;
  }
  return scalar_value_.value_type;
}

const bson_value_t& EditableValue::scalar() const { return scalar_value_; }

EditableValue* EditableValue::Field(std::string_view name) {
  for (auto& [key, value] : fields_) {
    if (key == name) return &value;
  }
  return nullptr;
}

void EditableValue::SetField(std::string_view name, EditableValue value) {
  if (EditableValue* existing = Field(name)) {
    *existing = std::move(value);
    return;
  }
  fields_.emplace_back(std::string(name), std::move(value));
}

bool EditableValue::RemoveField(std::string_view name) {
  auto it = std::find_if(fields_.begin(), fields_.end(),
                         [name](const auto& field) { return field.first == name; });
  if (it == fields_.end()) return false;
  fields_.erase(it);
  return true;
}

void EditableValue::AppendTo(bson_t* out, std::string_view key) const {
  const int length = static_cast<int>(key.size());
  if (kind_ == Kind::kScalar) {
    bson_append_value(out, key.data(), length, &scalar_value_);
    return;
  }
  bson_t child;
  if (kind_ == Kind::kDocument) {
    bson_append_document_begin(out, key.data(), length, &child);
    for (const auto& [name, value] : fields_) value.AppendTo(&child, name);
    bson_append_document_end(out, &child);
    return;
  }
  bson_append_array_begin(out, key.data(), length, &child);
  for (size_t i = 0; i < items_.size(); ++i) items_[i].AppendTo(&child, std::to_string(i));
  bson_append_array_end(out, &child);
}

common::BsonPtr EditableValue::ToBson() const {
  common::BsonPtr out = common::NewBson();
  for (const auto& [name, value] : fields_) value.AppendTo(out.get(), name);
  return out;
}

}  // namespace devmongod
