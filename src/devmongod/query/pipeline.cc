// RunPipeline: parses and runs the non-change-stream aggregation stages one
// after the other over an in-memory working set. Each stage is parsed right
// before it runs, so an invalid later stage is still reported (the earlier
// stages' work is simply discarded).
#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bson_ptr.h"
#include "devmongod/query/document_stage.h"
#include "devmongod/query/errors.h"
#include "devmongod/query/group_stage.h"
#include "devmongod/query/numeric_order.h"
#include "devmongod/query/query.h"
#include "devmongod/query/stage_names.h"
#include "devmongod/query/value_order.h"

namespace devmongod::query {
namespace {

using Status = std::expected<void, Error>;

// The documents between two stages: views of the caller's documents or of
// documents a stage produced (kept alive in `owned`).
struct WorkingSet {
  std::vector<const bson_t*> docs;
  std::vector<common::BsonPtr> owned;

  void Replace(std::vector<common::BsonPtr> produced) {
    docs.clear();
    for (const common::BsonPtr& doc : produced) docs.push_back(doc.get());
    owned = std::move(produced);  // frees the previous stage's documents
  }
};

// A view of the embedded document the iterator is on.
bool EmbeddedDocument(const bson_iter_t& iter, bson_t* out) {
  if (!BSON_ITER_HOLDS_DOCUMENT(&iter)) return false;
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&iter, &len, &data);
  return bson_init_static(out, data, len);
}

// $skip / $limit argument: a non-negative integral number.
std::expected<int64_t, Error> ReadCount(const bson_iter_t& value, std::string_view stage) {
  const bson_value_t v = ValueOf(value);
  if (!IsNumberType(v.value_type)) {
    return std::unexpected(TypeMismatch("argument to " + std::string(stage) + " must be a number"));
  }
  int64_t count = 0;
  if (v.value_type == BSON_TYPE_INT32) {
    count = v.value.v_int32;
  } else if (v.value_type == BSON_TYPE_INT64) {
    count = v.value.v_int64;
  } else {
    const double d = NumberToDouble(v);
    if (!(d >= -9.2e18 && d <= 9.2e18) || std::trunc(d) != d) {
      return std::unexpected(BadValue("argument to " + std::string(stage) +
                                      " must be an integral number that fits in 64 bits"));
    }
    count = static_cast<int64_t>(d);
  }
  if (count < 0) {
    return std::unexpected(BadValue("argument to " + std::string(stage) + " cannot be negative"));
  }
  return count;
}

Status RunMatch(const bson_iter_t& arg, WorkingSet* set) {
  bson_t filter;
  if (!EmbeddedDocument(arg, &filter)) {
    return std::unexpected(BadValue("the match filter must be an expression in an object"));
  }
  auto matcher = Matcher::Compile(filter);
  if (!matcher) return std::unexpected(matcher.error());
  if (matcher->MatchesEverything()) return {};
  std::erase_if(set->docs, [&](const bson_t* doc) { return !matcher->Matches(*doc); });
  return {};
}

Status RunSort(const bson_iter_t& arg, WorkingSet* set) {
  bson_t sort;
  if (!EmbeddedDocument(arg, &sort)) {
    return std::unexpected(TypeMismatch("the $sort key specification must be an object"));
  }
  auto spec = SortSpec::Compile(sort);
  if (!spec) return std::unexpected(spec.error());
  if (spec->empty()) {
    return std::unexpected(BadValue("$sort stage must have at least one sort key"));
  }
  std::stable_sort(set->docs.begin(), set->docs.end(),
                   [&](const bson_t* a, const bson_t* b) { return spec->Less(*a, *b); });
  return {};
}

Status RunSkip(const bson_iter_t& arg, WorkingSet* set) {
  auto count = ReadCount(arg, "$skip");
  if (!count) return std::unexpected(count.error());
  const size_t skip = std::min<uint64_t>(static_cast<uint64_t>(*count), set->docs.size());
  set->docs.erase(set->docs.begin(), set->docs.begin() + static_cast<std::ptrdiff_t>(skip));
  return {};
}

Status RunLimit(const bson_iter_t& arg, WorkingSet* set) {
  auto count = ReadCount(arg, "$limit");
  if (!count) return std::unexpected(count.error());
  if (*count == 0) return std::unexpected(BadValue("the limit must be positive"));
  if (static_cast<uint64_t>(*count) < set->docs.size()) {
    set->docs.resize(static_cast<size_t>(*count));
  }
  return {};
}

// $project, $addFields/$set, $unset, $replaceRoot/$replaceWith, $redact.
Status RunDocumentStage(std::string_view name, const bson_iter_t& arg, WorkingSet* set) {
  auto stage = DocumentStage::Parse(name, arg);
  if (!stage) return std::unexpected(stage.error());
  std::vector<common::BsonPtr> produced;
  produced.reserve(set->docs.size());
  for (const bson_t* doc : set->docs) {
    auto output = stage->Apply(*doc);
    if (!output) return std::unexpected(output.error());
    if (!output->keep) continue;
    produced.push_back(output->doc ? std::move(output->doc) : common::CopyBson(*doc));
  }
  set->Replace(std::move(produced));
  return {};
}

Status RunCount(const bson_iter_t& arg, WorkingSet* set) {
  if (!BSON_ITER_HOLDS_UTF8(&arg)) {
    return std::unexpected(TypeMismatch("the count field must be a non-empty string"));
  }
  uint32_t len = 0;
  const char* name = bson_iter_utf8(&arg, &len);
  const std::string_view field(name, len);
  if (field.empty() || field.front() == '$' || field.find('.') != std::string_view::npos ||
      field.find('\0') != std::string_view::npos) {
    return std::unexpected(
        BadValue("the count field must be a non-empty string, not start with "
                 "'$' and not contain '.'"));
  }
  std::vector<common::BsonPtr> produced;
  if (!set->docs.empty()) {  // MongoDB's $count emits nothing for no input
    common::BsonPtr result = common::NewBson();
    const size_t n = set->docs.size();
    if (n <= static_cast<size_t>(INT32_MAX)) {
      bson_append_int32(result.get(), name, static_cast<int>(len), static_cast<int32_t>(n));
    } else {
      bson_append_int64(result.get(), name, static_cast<int>(len), static_cast<int64_t>(n));
    }
    produced.push_back(std::move(result));
  }
  set->Replace(std::move(produced));
  return {};
}

Status RunGroup(const bson_iter_t& arg, WorkingSet* set) {
  auto stage = GroupStage::Parse(arg);
  if (!stage) return std::unexpected(stage.error());
  set->Replace(stage->Run(set->docs));
  return {};
}

Status RunStage(std::string_view name, const bson_iter_t& arg, WorkingSet* set) {
  if (name == "$match") return RunMatch(arg, set);
  if (name == "$sort") return RunSort(arg, set);
  if (name == "$skip") return RunSkip(arg, set);
  if (name == "$limit") return RunLimit(arg, set);
  if (name == "$count") return RunCount(arg, set);
  if (name == "$group") return RunGroup(arg, set);
  if (DocumentStage::Handles(name)) return RunDocumentStage(name, arg, set);
  if (IsKnownStage(name)) {
    return std::unexpected(
        BadValue("the " + std::string(name) + " stage is not supported by devmongod"));
  }
  return std::unexpected(
      LocationError(40324, "Unrecognized pipeline stage name: '" + std::string(name) + "'"));
}

}  // namespace

std::expected<std::vector<common::BsonPtr>, Error> RunPipeline(std::span<const bson_t* const> docs,
                                                               const bson_t& pipeline) {
  WorkingSet set;
  set.docs.assign(docs.begin(), docs.end());
  bson_iter_t stages;
  if (!bson_iter_init(&stages, &pipeline)) {
    return std::unexpected(TypeMismatch("'pipeline' must be an array of stage objects"));
  }
  while (bson_iter_next(&stages)) {
    bson_iter_t stage;
    if (!BSON_ITER_HOLDS_DOCUMENT(&stages) || !bson_iter_recurse(&stages, &stage)) {
      return std::unexpected(
          TypeMismatch("Each element of the 'pipeline' array must be an object"));
    }
    if (!bson_iter_next(&stage)) {
      return std::unexpected(LocationError(
          40323, "A pipeline stage specification object must contain exactly one field."));
    }
    const std::string_view name(bson_iter_key(&stage), bson_iter_key_len(&stage));
    bson_iter_t arg = stage;
    if (bson_iter_next(&stage)) {
      return std::unexpected(LocationError(
          40323, "A pipeline stage specification object must contain exactly one field."));
    }
    if (Status s = RunStage(name, arg, &set); !s) return std::unexpected(s.error());
  }
  if (stages.err_off != 0) return std::unexpected(BadValue("'pipeline' is not valid BSON"));
  std::vector<common::BsonPtr> out;
  out.reserve(set.docs.size());
  for (const bson_t* doc : set.docs) out.push_back(common::CopyBson(*doc));
  return out;
}

}  // namespace devmongod::query
