// Projection::Apply: builds the projected copy of one document, keeping the
// document's own field order. Arrays are projected element-wise as MongoDB
// does: with {"a.b": 1}, a: [{b:1,c:2}, 3] becomes a: [{b:1}] (inclusion
// drops non-document elements), with {"a.b": 0} it becomes a: [{c:2}, 3].
#include <string_view>

#include "common/bson_ptr.h"
#include "devmongod/query/limits.h"
#include "devmongod/query/projection_spec.h"
#include "devmongod/query/query.h"

namespace devmongod::query {
namespace {

std::string_view KeyOf(const bson_iter_t& iter) {
  return std::string_view(bson_iter_key(&iter), bson_iter_key_len(&iter));
}

void AppendAs(bson_t* out, std::string_view key, const bson_iter_t& value) {
  bson_iter_t copy = value;
  bson_append_iter(out, key.data(), static_cast<int>(key.size()), &copy);
}

// Array keys are rewritten "0", "1", ... because inclusion may drop elements.
class ArrayKeys {
 public:
  std::string_view Next() {
    const char* key = nullptr;
    const size_t len = bson_uint32_to_string(next_++, &key, buffer_, sizeof buffer_);
    return std::string_view(key, len);
  }

 private:
  char buffer_[16];
  uint32_t next_ = 0;
};

class Includer {
 public:
  explicit Includer(bool keep_id) : keep_id_(keep_id) {}

  void Document(const bson_iter_t& start, const ProjectionNode& node, bool top_level,
                bson_t* out) const {
    bson_iter_t fields = start;
    while (bson_iter_next(&fields)) {
      const std::string_view key = KeyOf(fields);
      const ProjectionNode* child = node.Find(key);
      if (child == nullptr) {
        if (top_level && keep_id_ && key == "_id") AppendAs(out, key, fields);
      } else if (child->leaf) {
        AppendAs(out, key, fields);
      } else {
        Value(fields, key, *child, 0, out);
      }
    }
  }

 private:
  // A value under a non-leaf path node: only documents and arrays (of
  // documents) have the sub-fields the node asks for.
  void Value(const bson_iter_t& value, std::string_view key, const ProjectionNode& node,
             int array_nesting, bson_t* out) const {
    bson_iter_t children;
    if (!bson_iter_recurse(&value, &children)) return;
    bson_t sub;
    if (BSON_ITER_HOLDS_DOCUMENT(&value)) {
      bson_append_document_begin(out, key.data(), static_cast<int>(key.size()), &sub);
      Document(children, node, false, &sub);
      bson_append_document_end(out, &sub);
    } else if (BSON_ITER_HOLDS_ARRAY(&value) && array_nesting < kMaxProjectionArrayNesting) {
      bson_append_array_begin(out, key.data(), static_cast<int>(key.size()), &sub);
      ArrayKeys keys;
      while (bson_iter_next(&children)) {
        if (BSON_ITER_HOLDS_DOCUMENT(&children) || BSON_ITER_HOLDS_ARRAY(&children)) {
          Value(children, keys.Next(), node, array_nesting + 1, &sub);
        }
      }
      bson_append_array_end(out, &sub);
    }
  }

  bool keep_id_;
};

class Excluder {
 public:
  void Document(const bson_iter_t& start, const ProjectionNode& node, bson_t* out) const {
    bson_iter_t fields = start;
    while (bson_iter_next(&fields)) {
      const std::string_view key = KeyOf(fields);
      const ProjectionNode* child = node.Find(key);
      if (child == nullptr) {
        AppendAs(out, key, fields);
      } else if (!child->leaf) {
        Value(fields, key, *child, 0, out);
      }
    }
  }

 private:
  void Value(const bson_iter_t& value, std::string_view key, const ProjectionNode& node,
             int array_nesting, bson_t* out) const {
    bson_iter_t children;
    const bool container = BSON_ITER_HOLDS_DOCUMENT(&value) || BSON_ITER_HOLDS_ARRAY(&value);
    if (!container || !bson_iter_recurse(&value, &children) ||
        (BSON_ITER_HOLDS_ARRAY(&value) && array_nesting >= kMaxProjectionArrayNesting)) {
      AppendAs(out, key, value);  // nothing to exclude inside it
      return;
    }
    bson_t sub;
    if (BSON_ITER_HOLDS_DOCUMENT(&value)) {
      bson_append_document_begin(out, key.data(), static_cast<int>(key.size()), &sub);
      Document(children, node, &sub);
      bson_append_document_end(out, &sub);
      return;
    }
    bson_append_array_begin(out, key.data(), static_cast<int>(key.size()), &sub);
    ArrayKeys keys;
    while (bson_iter_next(&children)) {
      Value(children, keys.Next(), node, array_nesting + 1, &sub);
    }
    bson_append_array_end(out, &sub);
  }
};

}  // namespace

common::BsonPtr Projection::Apply(const bson_t& doc) const {
  if (spec_ == nullptr) return common::CopyBson(doc);
  common::BsonPtr out = common::NewBson();
  bson_iter_t fields;
  if (!bson_iter_init(&fields, &doc)) return out;
  if (spec_->inclusion) {
    Includer(spec_->keep_id).Document(fields, spec_->root, true, out.get());
  } else {
    Excluder().Document(fields, spec_->root, out.get());
  }
  return out;
}

}  // namespace devmongod::query
