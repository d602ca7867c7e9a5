#include "devmongod/engine/hint_check.h"

#include <cstring>

#include "devmongod/engine/bson_fields.h"

namespace devmongod {

std::optional<CommandError> CheckHint(const bson_t& spec, const Collection* collection) {
  bson_iter_t hint;
  if (!FindField(spec, "hint", &hint) || collection == nullptr) return std::nullopt;
  if (BSON_ITER_HOLDS_UTF8(&hint)) {
    const char* name = bson_iter_utf8(&hint, nullptr);
    for (const Index& index : collection->indexes()) {
      if (index.name == name) return std::nullopt;
    }
  } else if (BSON_ITER_HOLDS_DOCUMENT(&hint)) {
    common::BsonPtr pattern = CopySubDocument(hint);
    bson_iter_t first;
    if (bson_empty(pattern.get())) return std::nullopt;  // {} is no hint
    if (bson_iter_init(&first, pattern.get()) && bson_iter_next(&first) &&
        std::strcmp(bson_iter_key(&first), "$natural") == 0) {
      return std::nullopt;
    }
    for (const Index& index : collection->indexes()) {
      if (bson_equal(index.key.get(), pattern.get())) return std::nullopt;
    }
  } else {
    return BadValue("hint must be a string or an object");
  }
  return BadValue("hint provided does not correspond to an existing index");
}

}  // namespace devmongod
