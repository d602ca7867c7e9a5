// Change-stream resume tokens: {_data: "<uppercase hex>"}.
//
// Our encoding (not mongod's KeyString, which drivers treat as opaque):
//   "82" + 16 hex digits of the event's cluster Timestamp (t then i)
//        + 16 hex digits of the event's global sequence number
//        + "00" for an ordinary event or "01" for an invalidate
// The leading 0x82 mirrors mongod's tokens (drivers never parse them) and
// keeps the string sortable by cluster time. A token names a position in the
// change history: "everything up to and including sequence N has been seen".
// A high-water-mark token (no event returned yet) uses the sequence and
// timestamp of the last event examined, so it resumes exactly like an event
// token.
// Thread-safety: free functions without shared state.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <expected>
#include <string>

#include "devmongod/engine/cluster_clock.h"
#include "devmongod/engine/command_error.h"

namespace devmongod {

struct ResumeToken {
  Timestamp ts;
  uint64_t seq = 0;
  bool invalidate = false;
  bool operator==(const ResumeToken&) const = default;
};

std::string EncodeResumeTokenData(const ResumeToken& token);
// Appends `key: {_data: "..."}`.
void AppendResumeToken(bson_t* parent, const char* key, const ResumeToken& token);

// Strict decoding of a token value as a client sent it (the iterator points
// at e.g. the resumeAfter field). `field` names it in error messages.
std::expected<ResumeToken, CommandError> DecodeResumeToken(const bson_iter_t& value,
                                                           const std::string& field);

}  // namespace devmongod
