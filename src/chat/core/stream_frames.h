// The frames of GET /api/stream-messages, built from change-stream events and
// documents, so the FastCGI shell only moves bytes:
//
//   retry: <ms>                         once, first
//   id: <resume token _data>            one per inserted message
//   data: <message JSON>
//   id: … / event: update / data: <message JSON>          an edited message
//   id: … / event: delete / data: {"_id","room","deletedAt"}  a deleted one
//   : keepalive                         heartbeat
//   event: reset / data: {"reason":…}   the client must reload (e.g. history lost)
//   event: error / data: <ErrorBody>    the stream fails
//
// Thread-safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "chat/core/api_error.h"

namespace chat {

// A change event's operationType ("insert", "invalidate", ...), borrowed
// from the event; empty when it has none.
std::string_view ChangeOperationType(const bson_t& change_event);

void AppendStreamStart(std::string& out, uint32_t retry_ms);

void AppendKeepalive(std::string& out);

// What a change event became on the wire.
enum class SentEvent { kNone, kMessage, kUpdate, kDelete };

// "message", "update", "delete" (kNone: "message"), as in the frames.
std::string_view SseEventName(SentEvent kind);

struct ChangeEventResult {
  SentEvent sent = SentEvent::kNone;  // kNone: only the id was sent (see skipped_reason)
  std::string skipped_reason;         // for the log: why the event shows nothing

  bool message_sent() const { return sent != SentEvent::kNone; }
};

// A change-stream event {_id: token, operationType, fullDocument, ...}:
//   insert                     -> id + data (an unnamed "message" event)
//   update/replace, not deleted -> id + event: update + the message JSON
//   the update that set deletedAt (or a replace with it) -> id + event: delete
// Anything else (other operations, unmappable documents, later changes to a
// deleted message) becomes an id-only frame, so the browser still moves past
// it on reconnect. update/replace need the stream's fullDocument:
// "updateLookup". Fails (appending nothing) only when the token cannot be an
// SSE id.
std::expected<ChangeEventResult, std::string> AppendChangeEvent(std::string& out,
                                                                const bson_t& change_event);

// Only the event's id (an id-only frame): moves the browser's position past
// an event whose message it already has (e.g. sent as backfill). Fails
// (appending nothing) when the token cannot be an SSE id.
std::expected<void, std::string> AppendChangeEventIdOnly(std::string& out,
                                                         const bson_t& change_event);

// A stored message sent as backfill (no id: it is not from the change stream).
std::expected<void, std::string> AppendBackfillMessage(std::string& out, const bson_t& doc);

// event: reset, data: {"reason":"<reason>","message":"<message>"}
void AppendResetEvent(std::string& out, std::string_view reason, std::string_view message);

// event: error, data: ErrorBody(error)
void AppendErrorEvent(std::string& out, const ApiError& error);

}  // namespace chat
