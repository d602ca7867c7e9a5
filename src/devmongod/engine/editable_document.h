// A BSON document that can be changed in place, field by field, for update
// operators: fields keep their order, a changed field keeps its place and a
// new one goes last, as in mongod. Scalars are kept as one-field BSON
// documents so their bytes stay owned and exact.
// Thread-safety: a plain value.
#pragma once

#include <bson/bson.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bson_ptr.h"

namespace devmongod {

class EditableValue {
 public:
  enum class Kind { kScalar, kDocument, kArray };

  static EditableValue FromIter(const bson_iter_t& iter);
  static EditableValue FromDocument(const bson_t& doc);
  static EditableValue FromValue(const bson_value_t& value);
  static EditableValue EmptyDocument();
  static EditableValue EmptyArray();

  Kind kind() const { return kind_; }
  bson_type_t type() const;
  // The scalar's value (kScalar only); valid while this value lives.
  const bson_value_t& scalar() const;

  // Documents: the field, or null.
  EditableValue* Field(std::string_view name);
  void SetField(std::string_view name, EditableValue value);
  bool RemoveField(std::string_view name);
  // Arrays.
  std::vector<EditableValue>& items() { return items_; }

  void AppendTo(bson_t* out, std::string_view key) const;
  // The document's BSON (kDocument only).
  common::BsonPtr ToBson() const;

 private:
  Kind kind_ = Kind::kScalar;
  common::BsonPtr scalar_;  // {"v": value}
  bson_value_t scalar_value_{};
  std::vector<std::pair<std::string, EditableValue>> fields_;
  std::vector<EditableValue> items_;
};

}  // namespace devmongod
