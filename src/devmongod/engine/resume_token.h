// Change-stream resume tokens: {_data: "<uppercase hex>"}.
//
// Our encoding (not mongod's KeyString, which drivers treat as opaque):
//   "82" + 16 hex digits of the event's cluster Timestamp (t then i)
//        + 16 hex digits of the event's global sequence number
//        + "00" for an ordinary event, "01" for an invalidate, "02" for a
//          high-water mark
// The leading 0x82 mirrors mongod's tokens (drivers never parse them) and
// keeps the string sortable by cluster time.
//
// An event token (00, 01) names an event in the change history: "everything
// up to and including sequence N has been seen"; resuming checks that the
// event (N, Timestamp) exists. A high-water-mark token (02) names a point in
// cluster time, as mongod's do: "every event before Timestamp T has been
// seen"; it is not an event, resuming from it gives exactly the events at or
// after T, and its sequence field (the last event before T when it was made)
// only keeps it sorting before the events at T and after every event before.
// Tokens handed out before high-water marks existed were event tokens of the
// last event examined; they still resume exactly.
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
  bool high_water_mark = false;  // a point in cluster time, not an event
  bool operator==(const ResumeToken&) const = default;
};

// The high-water mark "every event before `ts` has been seen", made when
// the last event before `ts` is `last_seq`.
inline ResumeToken HighWaterMark(Timestamp ts, uint64_t last_seq) {
  return ResumeToken{ts, last_seq, false, true};
}

std::string EncodeResumeTokenData(const ResumeToken& token);
// Appends `key: {_data: "..."}`.
void AppendResumeToken(bson_t* parent, const char* key, const ResumeToken& token);

// Strict decoding of a token value as a client sent it (the iterator points
// at e.g. the resumeAfter field). `field` names it in error messages.
std::expected<ResumeToken, CommandError> DecodeResumeToken(const bson_iter_t& value,
                                                           const std::string& field);

}  // namespace devmongod
