// Mapping between stored message documents and their JSON form.
//
// Stored:  {_id: ObjectId, username, content, room, createdAt: Date, updatedAt: Date,
//           userId?: string, editedAt?: Date, deletedAt?: Date}
// JSON:    {"_id":"<24 hex>","username":"…","content":"…","room":"general",
//           "createdAt":"2026-11-28T15:12:41.123Z","updatedAt":"…",
//           "userId":"…", "editedAt":"…"}  (this key order; the last two when stored)
// A soft-deleted message (deletedAt set, content removed) has its own, short
// JSON form: {"_id","room","deletedAt"}.
//
// Documents written by other tools are mapped leniently where a sane answer
// exists and refused (an error string for the log, never a crash) where not:
//   _id        must be an ObjectId                        else unmappable
//   username   must be a UTF-8 string                     else unmappable
//   content    must be a UTF-8 string                     else unmappable
//   room       missing → "general"; a string as stored;   other types unmappable
//   createdAt  a Date in JavaScript's range; otherwise the ObjectId's creation second
//   updatedAt  a Date in JavaScript's range; otherwise createdAt's value
//   userId, editedAt  shown when a string / a Date; otherwise left out
// The JSON is one line: see json_writer.h for the escaping (U+2028 included).
//
// Thread-safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/core/message.h"
#include "common/bson_ptr.h"

namespace chat {

// The document to insert; createdAt == updatedAt == now_ms. `user_id` (the
// authenticated author) is stored when not empty.
common::BsonPtr BuildMessageDocument(const NewMessage& message, const bson_oid_t& id,
                                     int64_t now_ms, std::string_view user_id = {});

// The JSON form, or a one-line reason (naming the field, never its content)
// why the document cannot be shown.
std::expected<std::string, std::string> MessageJson(const bson_t& doc);

// {"_id":"…","room":"…","deletedAt":"…"} for a soft-deleted document, or a
// reason why it is not one.
std::expected<std::string, std::string> DeletedMessageJson(const bson_t& doc);

// Whether the document carries deletedAt (soft-deleted).
bool IsDeleted(const bson_t& doc);

// The message's room: its room field, or the default room when the field is
// absent (or not a UTF-8 string: such a message is never shown anyway).
std::string MessageRoom(const bson_t& doc);

// The document's `_id` when it is an ObjectId (the history page cursor).
std::optional<bson_oid_t> MessageId(const bson_t& doc);

// {"messages":[<message_jsons joined by ,>],"next":"<24 hex>"|null}. Each
// element must be a MessageJson() result; the order is kept as given.
std::string HistoryJson(const std::vector<std::string>& message_jsons,
                        const std::optional<bson_oid_t>& next);

}  // namespace chat
