// The stages that may follow $changeStream, as mongod allows them: $match,
// $project, $addFields, $set, $unset, $replaceRoot, $replaceWith, $redact
// (query/document_stage.h). Other stages MongoDB has answer 20
// IllegalOperation ("... is not permitted in a $changeStream pipeline"),
// unknown names 40324. An event whose _id (its resume token) a stage removed
// or changed fails the stream with 280 ChangeStreamFatalError when it would
// be returned, as in mongod.
// Thread-safety: free functions without shared state.
#pragma once

#include <bson/bson.h>

#include <expected>
#include <optional>
#include <vector>

#include "common/bson_ptr.h"
#include "devmongod/engine/command_error.h"
#include "devmongod/query/document_stage.h"

namespace devmongod {

// Parses the stages after the first ($changeStream) one; `stages` is on the
// $changeStream stage. None when no stage would change or drop an event.
std::expected<std::optional<query::DocumentPipeline>, CommandError> ParseChangeStreamStages(
    const bson_iter_t& stages);

// The event as the stream returns it: null when a stage dropped it, else
// the event itself or a transformed copy kept in `owned`.
std::expected<const bson_t*, CommandError> ApplyChangeStreamStages(
    const query::DocumentPipeline& pipeline, const bson_t& event,
    std::vector<common::BsonPtr>& owned);

}  // namespace devmongod
