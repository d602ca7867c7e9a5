// SortSpec: compiles {field: 1|-1, ...} and orders documents by MongoDB's
// sort rules (missing sorts as null; an array sorts by its smallest element
// ascending and its largest descending; an empty array sorts below null).
#include <string>
#include <string_view>

#include "devmongod/query/errors.h"
#include "devmongod/query/limits.h"
#include "devmongod/query/path_walk.h"
#include "devmongod/query/query.h"
#include "devmongod/query/value_order.h"

namespace devmongod::query {
namespace {

// The value a document sorts by for one key. `empty_array` stands for "the
// path ends on an empty array", which MongoDB orders below null (and above
// MinKey) and which no BSON value represents.
struct SortKey {
  bool empty_array = false;
  bson_value_t value{};
};

int CompareSortKeys(const SortKey& x, const SortKey& y) {
  if (x.empty_array && y.empty_array) return 0;
  if (x.empty_array) return y.value.value_type == BSON_TYPE_MINKEY ? 1 : -1;
  if (y.empty_array) return x.value.value_type == BSON_TYPE_MINKEY ? -1 : 1;
  return CompareValues(x.value, y.value);
}

bool IsEmptyArray(const bson_value_t& v) {
  return v.value_type == BSON_TYPE_ARRAY && v.value.v_doc.data_len <= 5;
}

// Among every value the path reaches, the smallest (ascending) or largest
// (descending); a path that reaches nothing sorts as null.
SortKey ExtractSortKey(const bson_t& doc, std::string_view path, int direction) {
  SortKey best;
  bool have = false;
  auto consider = [&](const SortKey& candidate) {
    const int c = have ? CompareSortKeys(candidate, best) : 0;
    if (!have || (direction > 0 ? c < 0 : c > 0)) {
      best = candidate;
      have = true;
    }
  };
  WalkPath(doc, path, [&](const bson_value_t* value, bool whole_array) {
    if (whole_array) {
      // The array's elements are visited next; only an empty one has a key
      // of its own.
      if (IsEmptyArray(*value)) consider(SortKey{true, {}});
    } else {
      consider(SortKey{false, value != nullptr ? *value : NullValue()});
    }
    return false;  // visit everything
  });
  if (!have) best.value = NullValue();
  return best;
}

Error BadSort(std::string_view field, std::string_view why) {
  return BadValue("bad sort specification: " + std::string(why) + " (field '" + std::string(field) +
                  "')");
}

}  // namespace

std::expected<SortSpec, Error> SortSpec::Compile(const bson_t& sort) {
  SortSpec spec;
  bson_iter_t iter;
  if (!bson_iter_init(&iter, &sort)) return std::unexpected(BadValue("bad sort specification"));
  while (bson_iter_next(&iter)) {
    const std::string_view field(bson_iter_key(&iter), bson_iter_key_len(&iter));
    if (field.empty() || field.front() == '$') {
      return std::unexpected(BadSort(field, "field names must be non-empty and not start with $"));
    }
    if (PathComponentCount(field) > kMaxPathComponents) {
      return std::unexpected(BadSort(field, "field path is too long"));
    }
    double direction = 0;
    if (BSON_ITER_HOLDS_INT32(&iter) || BSON_ITER_HOLDS_INT64(&iter) ||
        BSON_ITER_HOLDS_DOUBLE(&iter)) {
      direction = bson_iter_as_double(&iter);
    }
    if (direction != 1 && direction != -1) {
      return std::unexpected(BadSort(field, "ordering must be 1 (ascending) or -1 (descending)"));
    }
    spec.keys_.push_back(Key{std::string(field), direction > 0 ? 1 : -1});
  }
  if (iter.err_off != 0) return std::unexpected(BadValue("bad sort specification: corrupt BSON"));
  return spec;
}

bool SortSpec::Less(const bson_t& a, const bson_t& b) const {
  for (const Key& key : keys_) {
    const int c = CompareSortKeys(ExtractSortKey(a, key.path, key.direction),
                                  ExtractSortKey(b, key.path, key.direction));
    if (c != 0) return key.direction > 0 ? c < 0 : c > 0;
  }
  return false;
}

}  // namespace devmongod::query
