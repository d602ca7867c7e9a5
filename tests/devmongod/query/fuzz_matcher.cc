// libFuzzer target for the query library. The input is two BSON documents
// back to back: the first is used as a filter (and also as a sort,
// projection and pipeline specification), the second as the document to
// match. Nothing may crash or hang, and the orders must stay consistent:
// CompareValues is antisymmetric and SortSpec::Less irreflexive.
#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "devmongod/query/query.h"

namespace {

// Reads one length-prefixed BSON document from the front of [data, end).
bool TakeDocument(const uint8_t** data, const uint8_t* end, bson_t* out) {
  const size_t available = static_cast<size_t>(end - *data);
  if (available < 5) return false;
  uint32_t len = 0;
  std::memcpy(&len, *data, 4);
  len = BSON_UINT32_FROM_LE(len);
  if (len < 5 || len > available || !bson_init_static(out, *data, len)) return false;
  *data += len;
  return true;
}

bson_value_t AsDocumentValue(const bson_t& doc) {
  bson_value_t v{};
  v.value_type = BSON_TYPE_DOCUMENT;
  v.value.v_doc.data = const_cast<uint8_t*>(bson_get_data(&doc));
  v.value.v_doc.data_len = doc.len;
  return v;
}

int Sign(int v) { return (v > 0) - (v < 0); }

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace devmongod::query;
  const uint8_t* cursor = data;
  const uint8_t* end = data + size;
  bson_t spec;
  bson_t target;
  if (!TakeDocument(&cursor, end, &spec) || !TakeDocument(&cursor, end, &target)) return 0;

  if (auto matcher = Matcher::Compile(spec)) {
    const bool matches = matcher->Matches(target);
    if (matcher->MatchesEverything()) Check(matches);
  }

  const bson_value_t a = AsDocumentValue(spec);
  const bson_value_t b = AsDocumentValue(target);
  Check(Sign(CompareValues(a, b)) == -Sign(CompareValues(b, a)));
  Check(CompareValues(b, b) == 0);

  if (auto sort = SortSpec::Compile(spec)) {
    Check(!sort->Less(target, target));
    Check(!(sort->Less(spec, target) && sort->Less(target, spec)));
  }

  if (auto projection = Projection::Compile(spec)) {
    common::BsonPtr projected = projection->Apply(target);
    Check(projected != nullptr);
  }

  const bson_t* docs[] = {&target, &spec};
  (void)RunPipeline(docs, spec);

  bson_iter_t first;
  if (bson_iter_init(&first, &spec) && bson_iter_next(&first)) {
    bson_iter_t found;
    (void)LookupPath(target, std::string_view(bson_iter_key(&first)), &found);
  }
  return 0;
}
