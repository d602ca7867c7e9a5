// Pieces of reply documents shared by many commands: cursor replies, the
// {ok, operationTime, $clusterTime} tail every reply carries, error replies.
// Thread-safety: free functions without shared state.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/bson_ptr.h"
#include "devmongod/engine/cluster_clock.h"
#include "devmongod/engine/command_error.h"
#include "devmongod/engine/resume_token.h"

namespace devmongod {

// Appends cursor: {id, ns, firstBatch|nextBatch: docs, postBatchResumeToken?}.
void AppendCursor(bson_t* reply, int64_t id, const std::string& ns, bool first_batch,
                  std::span<const bson_t* const> docs,
                  const std::optional<ResumeToken>& post_batch_resume_token = std::nullopt);

// Appends ok: 1.0, operationTime and $clusterTime (zero signature, as a
// server without auth sends it; drivers type-check its shape).
void AppendSuccessTail(bson_t* reply, Timestamp cluster_time);

common::BsonPtr BuildErrorReply(const CommandError& error, Timestamp cluster_time);

// Upper bound for one batch's documents: stay well under the 16 MiB
// maxBsonObjectSize the reply document itself must respect.
inline constexpr size_t kMaxBatchBytes = 15 * 1024 * 1024;

}  // namespace devmongod
