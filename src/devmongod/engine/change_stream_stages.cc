#include "devmongod/engine/change_stream_stages.h"

#include <string>
#include <string_view>

#include "devmongod/engine/query_error.h"
#include "devmongod/query/stage_names.h"

namespace devmongod {
namespace {

// The _id field's value bytes (type and content), for an exact comparison.
bool IdBytes(const bson_t& doc, bson_type_t* type, std::string_view* bytes) {
  bson_iter_t id;
  if (!bson_iter_init_find(&id, &doc, "_id")) return false;
  *type = bson_iter_type(&id);
  const uint8_t* raw = bson_get_data(&doc) + id.d1;
  *bytes = std::string_view(reinterpret_cast<const char*>(raw), id.next_off - id.d1);
  return true;
}

std::string IdJson(const bson_t& doc) {
  bson_iter_t id;
  if (!bson_iter_init_find(&id, &doc, "_id")) return "{}";
  common::BsonPtr only = common::NewBson();
  bson_append_iter(only.get(), "_id", 3, &id);
  char* json = bson_as_relaxed_extended_json(only.get(), nullptr);
  std::string out = json != nullptr ? json : "{}";
  bson_free(json);
  return out;
}

CommandError IdModified(const bson_t& event, const bson_t& output) {
  CommandError error = MakeError(
      280, "ChangeStreamFatalError",
      "Encountered an event whose _id field, which contains the resume token, was modified by "
      "the pipeline. Modifying the _id field of an event makes it impossible to resume the "
      "stream from that point. Only transformations that retain the unmodified _id field are "
      "allowed. Expected: " +
          IdJson(event) + " but found: " + IdJson(output));
  error.labels.push_back("NonResumableChangeStreamError");
  return error;
}

std::expected<std::string_view, CommandError> StageName(const bson_iter_t& stage,
                                                        bson_iter_t* body) {
  if (!BSON_ITER_HOLDS_DOCUMENT(&stage) || !bson_iter_recurse(&stage, body) ||
      !bson_iter_next(body)) {
    return std::unexpected(
        MakeError(40323, "Location40323",
                  "A pipeline stage specification object must contain exactly one field."));
  }
  bson_iter_t extra = *body;
  if (bson_iter_next(&extra)) {
    return std::unexpected(
        MakeError(40323, "Location40323",
                  "A pipeline stage specification object must contain exactly one field."));
  }
  return std::string_view(bson_iter_key(body), bson_iter_key_len(body));
}

}  // namespace

std::expected<std::optional<query::DocumentPipeline>, CommandError> ParseChangeStreamStages(
    const bson_iter_t& stages) {
  query::DocumentPipeline pipeline;
  bson_iter_t stage = stages;
  while (bson_iter_next(&stage)) {
    bson_iter_t body;
    auto name = StageName(stage, &body);
    if (!name) return std::unexpected(name.error());
    if (*name == "$changeStream") {
      return std::unexpected(
          MakeError(40602, "Location40602",
                    "$changeStream is only allowed as the first stage in a pipeline."));
    }
    if (!query::DocumentStage::Handles(*name)) {
      const std::string text(*name);
      if (*name == "$changeStreamSplitLargeEvent") {
        return std::unexpected(BadValue(text + " is not supported by devmongod"));
      }
      if (query::IsKnownStage(*name)) {
        return std::unexpected(MakeError(20, "IllegalOperation",
                                         text + " is not permitted in a $changeStream pipeline"));
      }
      return std::unexpected(
          MakeError(40324, "Location40324", "Unrecognized pipeline stage name: '" + text + "'"));
    }
    auto parsed = query::DocumentStage::Parse(*name, body);
    if (!parsed) return std::unexpected(FromQueryError(parsed.error()));
    if (parsed->is_match() && parsed->matcher()->MatchesEverything()) continue;
    pipeline.Add(std::move(*parsed));
  }
  if (pipeline.empty()) return std::nullopt;
  return pipeline;
}

std::expected<const bson_t*, CommandError> ApplyChangeStreamStages(
    const query::DocumentPipeline& pipeline, const bson_t& event,
    std::vector<common::BsonPtr>& owned) {
  auto output = pipeline.Apply(event);
  if (!output) return std::unexpected(FromQueryError(output.error()));
  if (!output->keep) return nullptr;
  if (!output->doc) return &event;
  bson_type_t event_type, output_type;
  std::string_view event_id, output_id;
  if (!IdBytes(event, &event_type, &event_id) || !IdBytes(*output->doc, &output_type, &output_id) ||
      event_type != output_type || event_id != output_id) {
    return std::unexpected(IdModified(event, *output->doc));
  }
  owned.push_back(std::move(output->doc));
  return owned.back().get();
}

}  // namespace devmongod
