#include "chat/core/stream_frames.h"

#include "chat/core/json_writer.h"
#include "chat/core/message_json.h"
#include "chat/core/resume_token.h"
#include "chat/core/sse.h"

namespace chat {
namespace {

// The embedded document at `key`, borrowed from `parent` (valid while it is).
bool FindDocument(const bson_t& parent, const char* key, bson_t* out) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, &parent, key) || !BSON_ITER_HOLDS_DOCUMENT(&iter)) return false;
  uint32_t length = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&iter, &length, &data);
  return bson_init_static(out, data, length);
}

// The SSE id of a change event: its resume token's `_data`.
std::expected<std::string, std::string> ChangeEventId(const bson_t& change_event) {
  bson_t token;
  if (!FindDocument(change_event, "_id", &token)) {
    return std::unexpected(std::string("change event has no _id document"));
  }
  return EventIdFromResumeToken(token);
}

}  // namespace

std::string_view ChangeOperationType(const bson_t& change_event) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, &change_event, "operationType") || !BSON_ITER_HOLDS_UTF8(&iter)) {
    return {};
  }
  uint32_t length = 0;
  const char* text = bson_iter_utf8(&iter, &length);
  return {text, length};
}

void AppendStreamStart(std::string& out, uint32_t retry_ms) { AppendSseRetry(out, retry_ms); }

void AppendKeepalive(std::string& out) { AppendSseComment(out, "keepalive"); }

std::expected<ChangeEventResult, std::string> AppendChangeEvent(std::string& out,
                                                                const bson_t& change_event) {
  auto id = ChangeEventId(change_event);
  if (!id) return std::unexpected(std::move(id.error()));

  ChangeEventResult result;
  bson_t full_document;
  if (ChangeOperationType(change_event) != "insert") {
    result.skipped_reason = "change event is not an insert";
  } else if (!FindDocument(change_event, "fullDocument", &full_document)) {
    result.skipped_reason = "insert event has no fullDocument";
  } else if (auto json = MessageJson(full_document); !json) {
    result.skipped_reason = "unmappable document: " + json.error();
  } else {
    // Ids and JSON are single-line by construction, so these cannot fail.
    if (AppendSseEvent(out, SseEvent{.id = *id, .event = std::nullopt, .data = *json})) {
      result.message_sent = true;
      return result;
    }
  }
  if (!AppendSseIdOnly(out, *id)) return std::unexpected(std::string("invalid event id"));
  return result;
}

std::expected<void, std::string> AppendChangeEventIdOnly(std::string& out,
                                                         const bson_t& change_event) {
  auto id = ChangeEventId(change_event);
  if (!id) return std::unexpected(std::move(id.error()));
  if (!AppendSseIdOnly(out, *id)) return std::unexpected(std::string("invalid event id"));
  return {};
}

std::expected<void, std::string> AppendBackfillMessage(std::string& out, const bson_t& doc) {
  auto json = MessageJson(doc);
  if (!json) return std::unexpected("unmappable document: " + json.error());
  if (!AppendSseEvent(out, SseEvent{.id = std::nullopt, .event = std::nullopt, .data = *json})) {
    return std::unexpected(std::string("message JSON is not one line"));
  }
  return {};
}

void AppendResetEvent(std::string& out, std::string_view reason, std::string_view message) {
  std::string data = "{\"reason\":";
  AppendJsonString(data, reason);
  data += ",\"message\":";
  AppendJsonString(data, message);
  data += '}';
  // A fixed event name and JSON data: cannot fail.
  (void)AppendSseEvent(out, SseEvent{.id = std::nullopt, .event = "reset", .data = data});
}

void AppendErrorEvent(std::string& out, const ApiError& error) {
  (void)AppendSseEvent(out,
                       SseEvent{.id = std::nullopt, .event = "error", .data = ErrorBody(error)});
}

}  // namespace chat
