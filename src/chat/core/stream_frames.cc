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

namespace {

// Whether this update event is the soft delete itself (it set deletedAt),
// not some later change to a message that was deleted before.
bool SetsDeletedAt(const bson_t& change_event) {
  bson_iter_t iter;
  return bson_iter_init(&iter, &change_event) &&
         bson_iter_find_descendant(&iter, "updateDescription.updatedFields.deletedAt", &iter);
}

// What an event shows, as (SSE event name, data); an empty name is the
// unnamed "message" event. An error is the reason it shows nothing.
std::expected<std::pair<SentEvent, std::string>, std::string> EventContent(
    const bson_t& change_event) {
  const std::string_view operation = ChangeOperationType(change_event);
  const bool insert = operation == "insert";
  if (!insert && operation != "update" && operation != "replace") {
    return std::unexpected("change event " + std::string(operation) + " shows nothing");
  }
  bson_t full_document;
  if (!FindDocument(change_event, "fullDocument", &full_document)) {
    return std::unexpected(std::string(operation) + " event has no fullDocument");
  }
  if (!insert && IsDeleted(full_document)) {
    if (operation == "update" && !SetsDeletedAt(change_event)) {
      return std::unexpected(std::string("change to a deleted message"));
    }
    auto json = DeletedMessageJson(full_document);
    if (!json) return std::unexpected("unmappable deleted document: " + json.error());
    return std::pair{SentEvent::kDelete, std::move(*json)};
  }
  if (insert && IsDeleted(full_document)) {
    return std::unexpected(std::string("inserted already deleted"));
  }
  auto json = MessageJson(full_document);
  if (!json) return std::unexpected("unmappable document: " + json.error());
  return std::pair{insert ? SentEvent::kMessage : SentEvent::kUpdate, std::move(*json)};
}

}  // namespace

std::string_view SseEventName(SentEvent kind) {
  switch (kind) {
    case SentEvent::kUpdate:
      return "update";
    case SentEvent::kDelete:
      return "delete";
    case SentEvent::kNone:
    case SentEvent::kMessage:
      break;
  }
  return "message";
}

std::expected<ChangeEventResult, std::string> AppendChangeEvent(std::string& out,
                                                                const bson_t& change_event) {
  auto id = ChangeEventId(change_event);
  if (!id) return std::unexpected(std::move(id.error()));
  ChangeEventResult result;
  auto content = EventContent(change_event);
  if (!content) {
    result.skipped_reason = std::move(content.error());
  } else {
    const auto& [kind, json] = *content;
    std::optional<std::string> name;
    if (kind != SentEvent::kMessage) name = std::string(SseEventName(kind));
    // Ids, names and JSON are single-line by construction: cannot fail.
    if (AppendSseEvent(out, SseEvent{.id = *id, .event = name, .data = json})) {
      result.sent = kind;
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
