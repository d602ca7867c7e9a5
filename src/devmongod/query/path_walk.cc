#include "devmongod/query/path_walk.h"

#include <cstring>
#include <utility>

#include "devmongod/query/query.h"

namespace devmongod::query {

size_t PathComponentCount(std::string_view path) {
  size_t count = 1;
  for (char c : path) count += c == '.' ? 1 : 0;
  return count;
}

bool ParseArrayIndex(std::string_view component, uint32_t* index) {
  if (component.empty() || component.size() > 10) return false;
  if (component.size() > 1 && component[0] == '0') return false;
  uint64_t value = 0;
  for (char c : component) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > 0x7fffffff) return false;
  *index = static_cast<uint32_t>(value);
  return true;
}

CompiledPath::CompiledPath(std::string text) : text_(std::move(text)) {
  for (PathRest rest{text_, false}; !rest.done(); rest = rest.Tail()) {
    const std::string_view head = rest.Head();
    Component component{static_cast<size_t>(head.data() - text_.data()), head.size(), false, 0};
    component.is_index = ParseArrayIndex(head, &component.index);
    components_.push_back(component);
  }
}

bool FindField(bson_iter_t* iter, std::string_view key) {
  while (bson_iter_next(iter)) {
    const uint32_t len = bson_iter_key_len(iter);
    if (len == key.size() && std::memcmp(bson_iter_key(iter), key.data(), len) == 0) return true;
  }
  return false;
}

bool FindElement(bson_iter_t* iter, uint32_t index) {
  // Counting rather than matching keys: positions are what "a.1" means, even
  // if a sloppy producer numbered the array keys differently.
  uint32_t position = 0;
  while (bson_iter_next(iter)) {
    if (position == index) return true;
    ++position;
  }
  return false;
}

bool LookupPath(const bson_t& doc, std::string_view path, bson_iter_t* out) {
  bson_iter_t iter;
  if (!bson_iter_init(&iter, &doc)) return false;
  PathRest rest{path, false};
  bool in_array = false;
  while (true) {
    const std::string_view head = rest.Head();
    uint32_t index = 0;
    const bool found = in_array ? ParseArrayIndex(head, &index) && FindElement(&iter, index)
                                : FindField(&iter, head);
    if (!found) return false;
    rest = rest.Tail();
    if (rest.done()) {
      *out = iter;
      return true;
    }
    in_array = BSON_ITER_HOLDS_ARRAY(&iter);
    if (!in_array && !BSON_ITER_HOLDS_DOCUMENT(&iter)) return false;
    bson_iter_t child;
    if (!bson_iter_recurse(&iter, &child)) return false;
    iter = child;
  }
}

}  // namespace devmongod::query
