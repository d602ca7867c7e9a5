// Dotted field paths over BSON documents, with MongoDB's query semantics:
//
//  * a component names a field of an embedded document;
//  * a numeric component ("0", "12") on an array selects that element;
//  * any other component on an array is applied to every element that is a
//    document ("tags.name" over [{name:"a"},{name:"b"}] reaches "a" and "b");
//    elements that are not documents, and arrays nested directly in arrays,
//    reach nothing (they count as a missing field), as in MongoDB;
//  * when the path ends on an array, the array itself and then each of its
//    elements are reached (one level, like MongoDB's leaf array expansion).
//
// Known limit: a numeric component on an array only indexes it; MongoDB
// would also look for a field of that name in the array's documents.
//
// WalkPath does not allocate. It recurses once per path component, so paths
// must have at most kMaxPathComponents components (compilers check this;
// longer paths reach nothing rather than recursing further).
// Iterators are passed by reference and copied into locals: libbson declares
// bson_iter_t 128-byte aligned, which by-value parameters do not honour.
// Thread-safety: pure functions over caller-owned documents.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "devmongod/query/limits.h"
#include "devmongod/query/value_order.h"

namespace devmongod::query {

// True when `component` is a canonical array index: digits only, no leading
// zero (except "0" itself), below 2^31.
bool ParseArrayIndex(std::string_view component, uint32_t* index);

// The not-yet-walked part of a path given as text, split as it is walked.
// `at_end` distinguishes the end of the path from a trailing empty
// component ("a." has components "a" and "").
struct PathRest {
  std::string_view text;
  bool at_end = false;

  bool done() const { return at_end; }
  std::string_view Head() const { return text.substr(0, text.find('.')); }
  bool HeadIndex(uint32_t* index) const { return ParseArrayIndex(Head(), index); }
  PathRest Tail() const {
    const size_t dot = text.find('.');
    if (dot == std::string_view::npos) return PathRest{{}, true};
    return PathRest{text.substr(dot + 1), false};
  }
};

// A dotted path split (and its array indexes parsed) once, for paths that
// are walked many times, like a filter's on the change-stream hot path.
class CompiledPath {
 public:
  explicit CompiledPath(std::string text = {});

  const std::string& text() const { return text_; }
  size_t size() const { return components_.size(); }

  // The walk cursor over a CompiledPath (same interface as PathRest). The
  // path must not move or change while a cursor is in use.
  class Rest {
   public:
    Rest(const CompiledPath* path, size_t position) : path_(path), position_(position) {}
    bool done() const { return position_ == path_->components_.size(); }
    std::string_view Head() const {
      const Component& c = path_->components_[position_];
      return std::string_view(path_->text_).substr(c.offset, c.length);
    }
    bool HeadIndex(uint32_t* index) const {
      const Component& c = path_->components_[position_];
      *index = c.index;
      return c.is_index;
    }
    Rest Tail() const { return Rest(path_, position_ + 1); }

   private:
    const CompiledPath* path_;
    size_t position_;
  };

  Rest Start() const { return Rest(this, 0); }

 private:
  struct Component {
    size_t offset;
    size_t length;
    bool is_index;
    uint32_t index;
  };

  std::string text_;
  std::vector<Component> components_;
};

// Number of components of a dotted path ("" and "a" have one).
size_t PathComponentCount(std::string_view path);

// Advances a fresh iterator over a document to the field `key`.
bool FindField(bson_iter_t* iter, std::string_view key);

// Advances a fresh iterator over an array to its element number `index`.
bool FindElement(bson_iter_t* iter, uint32_t index);

namespace path_walk_internal {

// The visitor is called as visit(const bson_value_t* value, bool whole_array)
// where value is null for "missing", and whole_array is true when value is
// the array the path ends on (its elements follow, with whole_array false).
// It returns true to stop the walk; the walk then returns true.

template <typename Visitor>
bool VisitLeaf(const bson_iter_t& at, Visitor& visit) {
  const bson_value_t value = ValueOf(at);
  if (value.value_type != BSON_TYPE_ARRAY) return visit(&value, false);
  if (visit(&value, true)) return true;
  bson_iter_t element;
  if (!bson_iter_recurse(&at, &element)) return false;
  while (bson_iter_next(&element)) {
    const bson_value_t item = ValueOf(element);
    if (visit(&item, false)) return true;
  }
  return false;
}

template <typename Rest, typename Visitor>
bool VisitInDocument(const bson_iter_t& start, Rest rest, Visitor& visit, size_t depth);
template <typename Rest, typename Visitor>
bool VisitValue(const bson_iter_t& at, Rest rest, Visitor& visit, size_t depth);

template <typename Rest, typename Visitor>
bool VisitInArray(const bson_iter_t& start, Rest rest, Visitor& visit, size_t depth) {
  bson_iter_t elements = start;
  uint32_t index = 0;
  if (rest.HeadIndex(&index)) {
    if (!FindElement(&elements, index)) return visit(nullptr, false);
    return VisitValue(elements, rest.Tail(), visit, depth + 1);
  }
  bool any = false;
  while (bson_iter_next(&elements)) {
    any = true;
    bson_iter_t fields;
    if (BSON_ITER_HOLDS_DOCUMENT(&elements) && bson_iter_recurse(&elements, &fields)) {
      if (VisitInDocument(fields, rest, visit, depth + 1)) return true;
    } else if (visit(nullptr, false)) {
      return true;
    }
  }
  return !any && visit(nullptr, false);
}

template <typename Rest, typename Visitor>
bool VisitValue(const bson_iter_t& at, Rest rest, Visitor& visit, size_t depth) {
  if (rest.done()) return VisitLeaf(at, visit);
  if (depth >= kMaxPathComponents) return visit(nullptr, false);
  bson_iter_t children;
  if (BSON_ITER_HOLDS_DOCUMENT(&at) && bson_iter_recurse(&at, &children)) {
    return VisitInDocument(children, rest, visit, depth);
  }
  if (BSON_ITER_HOLDS_ARRAY(&at) && bson_iter_recurse(&at, &children)) {
    return VisitInArray(children, rest, visit, depth);
  }
  return visit(nullptr, false);  // a scalar cannot have sub-fields
}

template <typename Rest, typename Visitor>
bool VisitInDocument(const bson_iter_t& start, Rest rest, Visitor& visit, size_t depth) {
  bson_iter_t fields = start;
  if (!FindField(&fields, rest.Head())) return visit(nullptr, false);
  return VisitValue(fields, rest.Tail(), visit, depth + 1);
}

}  // namespace path_walk_internal

// Calls `visit` for every value `path` reaches in `doc` (see above). Returns
// true as soon as a call returns true.
template <typename Visitor>
bool WalkPath(const bson_t& doc, std::string_view path, Visitor&& visit) {
  bson_iter_t fields;
  if (!bson_iter_init(&fields, &doc)) return visit(nullptr, false);
  return path_walk_internal::VisitInDocument(fields, PathRest{path, false}, visit, 0);
}

// The same over a path split at compile time.
template <typename Visitor>
bool WalkPath(const bson_t& doc, const CompiledPath& path, Visitor&& visit) {
  bson_iter_t fields;
  if (!bson_iter_init(&fields, &doc)) return visit(nullptr, false);
  return path_walk_internal::VisitInDocument(fields, path.Start(), visit, 0);
}

}  // namespace devmongod::query
