#include "chat/core/message_change.h"

namespace chat {

StoredMessageFacts FactsOf(const bson_t& doc) {
  StoredMessageFacts facts;
  bson_iter_t iter;
  if (bson_iter_init_find(&iter, &doc, "userId") && BSON_ITER_HOLDS_UTF8(&iter)) {
    facts.user_id = bson_iter_utf8(&iter, nullptr);
  }
  if (bson_iter_init_find(&iter, &doc, "createdAt") && BSON_ITER_HOLDS_DATE_TIME(&iter)) {
    facts.created_at_ms = bson_iter_date_time(&iter);
  } else if (bson_iter_init_find(&iter, &doc, "_id") && BSON_ITER_HOLDS_OID(&iter)) {
    facts.created_at_ms = static_cast<int64_t>(bson_oid_get_time_t(bson_iter_oid(&iter))) * 1000;
  }
  facts.deleted = bson_iter_init_find(&iter, &doc, "deletedAt");
  return facts;
}

std::optional<ApiError> CheckChange(MessageChange change, const Editor& editor,
                                    const StoredMessageFacts& message, int64_t now_ms,
                                    int64_t edit_window_s) {
  if (message.deleted) {
    return MakeError(ErrorCode::kAlreadyDeleted, "The message was deleted already.");
  }
  if (editor.unrestricted) return std::nullopt;
  if (change == MessageChange::kDelete && editor.moderator) return std::nullopt;
  const bool author =
      !editor.user_id.empty() && message.user_id && *message.user_id == editor.user_id;
  if (!author) {
    return MakeError(ErrorCode::kForbidden,
                     change == MessageChange::kEdit
                         ? "Only the author may edit a message."
                         : "Only the author or a moderator may delete a message.");
  }
  if (now_ms - message.created_at_ms > edit_window_s * 1000) {
    return MakeError(ErrorCode::kForbidden, "The message is older than the edit window (" +
                                                std::to_string(edit_window_s) + " s).");
  }
  return std::nullopt;
}

common::BsonPtr EditUpdate(std::string_view content, int64_t now_ms) {
  common::BsonPtr update = common::NewBson();
  bson_t set;
  BSON_APPEND_DOCUMENT_BEGIN(update.get(), "$set", &set);
  bson_append_utf8(&set, "content", -1, content.data(), static_cast<int>(content.size()));
  BSON_APPEND_DATE_TIME(&set, "editedAt", now_ms);
  BSON_APPEND_DATE_TIME(&set, "updatedAt", now_ms);
  bson_append_document_end(update.get(), &set);
  return update;
}

common::BsonPtr DeleteUpdate(int64_t now_ms) {
  common::BsonPtr update = common::NewBson();
  bson_t unset, set;
  BSON_APPEND_DOCUMENT_BEGIN(update.get(), "$unset", &unset);
  BSON_APPEND_UTF8(&unset, "content", "");
  bson_append_document_end(update.get(), &unset);
  BSON_APPEND_DOCUMENT_BEGIN(update.get(), "$set", &set);
  BSON_APPEND_DATE_TIME(&set, "deletedAt", now_ms);
  BSON_APPEND_DATE_TIME(&set, "updatedAt", now_ms);
  bson_append_document_end(update.get(), &set);
  return update;
}

common::BsonPtr NotDeletedCondition() {
  common::BsonPtr condition = common::NewBson();
  bson_t deleted_at;
  BSON_APPEND_DOCUMENT_BEGIN(condition.get(), "deletedAt", &deleted_at);
  BSON_APPEND_BOOL(&deleted_at, "$exists", false);
  bson_append_document_end(condition.get(), &deleted_at);
  return condition;
}

}  // namespace chat
