// Editing and deleting a stored message: who may, and the updates that do it.
//
// Rules (PATCH and DELETE /api/messages/{id}):
// - a deleted message cannot change again: already_deleted (409);
// - a moderator may delete any message, never edit another's text;
// - an author (the caller's user id equals the message's userId) may edit and
//   delete their own message while it is younger than the edit window;
// - everyone else: forbidden (403). A message without userId (posted with
//   authentication off) has no author.
// - With authentication off and CHAT_MODERATION_WITHOUT_AUTH=1 (tests, local
//   use) every caller may edit and delete every message.
// A delete is soft: content is removed, deletedAt and updatedAt are set; _id,
// room, createdAt, username and userId stay, so the history keeps its order
// and streams can tell browsers which message went.
//
// Thread-safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chat/core/api_error.h"
#include "common/bson_ptr.h"

namespace chat {

enum class MessageChange { kEdit, kDelete };

struct Editor {
  std::string user_id;  // empty: not authenticated
  bool moderator = false;
  bool unrestricted = false;  // CHAT_MODERATION_WITHOUT_AUTH with auth off
};

struct StoredMessageFacts {
  std::optional<std::string> user_id;
  int64_t created_at_ms = 0;  // createdAt, else the ObjectId's second
  bool deleted = false;
};

StoredMessageFacts FactsOf(const bson_t& doc);

// Null when `editor` may make `change` to the message now.
std::optional<ApiError> CheckChange(MessageChange change, const Editor& editor,
                                    const StoredMessageFacts& message, int64_t now_ms,
                                    int64_t edit_window_s);

// {$set: {content, editedAt: now, updatedAt: now}}
common::BsonPtr EditUpdate(std::string_view content, int64_t now_ms);
// {$unset: {content: ""}, $set: {deletedAt: now, updatedAt: now}}
common::BsonPtr DeleteUpdate(int64_t now_ms);
// {deletedAt: {$exists: false}}: the update applies only to a live message,
// so two deletes (or a delete and an edit) racing cannot both succeed.
common::BsonPtr NotDeletedCondition();

}  // namespace chat
