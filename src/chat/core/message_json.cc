#include "chat/core/message_json.h"

#include "chat/core/iso_time.h"
#include "chat/core/json_writer.h"
#include "chat/core/room.h"
#include "chat/core/utf8.h"
#include "common/object_id.h"

namespace chat {
namespace {

// nullopt when absent; an error when present but not a valid UTF-8 string.
std::expected<std::optional<std::string_view>, std::string> FindUtf8(const bson_t& doc,
                                                                     const char* key) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, &doc, key)) return std::nullopt;
  if (!BSON_ITER_HOLDS_UTF8(&iter)) {
    return std::unexpected(std::string("field ") + key + " is not a string");
  }
  uint32_t length = 0;
  const char* text = bson_iter_utf8(&iter, &length);
  const std::string_view value(text, length);
  if (!IsValidUtf8(value)) {
    return std::unexpected(std::string("field ") + key + " is not valid UTF-8");
  }
  return value;
}

std::expected<std::string_view, std::string> RequireUtf8(const bson_t& doc, const char* key) {
  auto value = FindUtf8(doc, key);
  if (!value) return std::unexpected(std::move(value.error()));
  if (!*value) return std::unexpected(std::string("field ") + key + " is missing");
  return **value;
}

std::optional<std::string> FindDate(const bson_t& doc, const char* key) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, &doc, key) || !BSON_ITER_HOLDS_DATE_TIME(&iter)) {
    return std::nullopt;
  }
  return FormatIsoMillis(bson_iter_date_time(&iter));
}

void AppendMember(std::string& out, std::string_view key, std::string_view value) {
  out += ',';
  AppendJsonString(out, key);
  out += ':';
  AppendJsonString(out, value);
}

}  // namespace

std::string MessageRoom(const bson_t& doc) {
  auto room = FindUtf8(doc, "room");
  return std::string(room && *room ? **room : kDefaultRoom);
}

common::BsonPtr BuildMessageDocument(const NewMessage& message, const bson_oid_t& id,
                                     int64_t now_ms, std::string_view user_id) {
  common::BsonPtr doc = common::NewBson();
  // Through a plain bson_t* the type keeps libbson's alignment attribute,
  // which clang checks at each libbson call (unique_ptr::get() loses it).
  bson_t* const out = doc.get();
  BSON_APPEND_OID(out, "_id", &id);
  bson_append_utf8(out, "username", -1, message.username.data(),
                   static_cast<int>(message.username.size()));
  bson_append_utf8(out, "content", -1, message.content.data(),
                   static_cast<int>(message.content.size()));
  bson_append_utf8(out, "room", -1, message.room.data(), static_cast<int>(message.room.size()));
  BSON_APPEND_DATE_TIME(out, "createdAt", now_ms);
  BSON_APPEND_DATE_TIME(out, "updatedAt", now_ms);
  if (!user_id.empty()) {
    bson_append_utf8(out, "userId", -1, user_id.data(), static_cast<int>(user_id.size()));
  }
  return doc;
}

bool IsDeleted(const bson_t& doc) {
  bson_iter_t iter;
  return bson_iter_init_find(&iter, &doc, "deletedAt");
}

std::expected<std::string, std::string> DeletedMessageJson(const bson_t& doc) {
  const auto id = MessageId(doc);
  if (!id) return std::unexpected(std::string("field _id is missing or not an ObjectId"));
  auto room = FindUtf8(doc, "room");
  if (!room) return std::unexpected(std::move(room.error()));
  auto deleted = FindDate(doc, "deletedAt");
  if (!deleted) return std::unexpected(std::string("field deletedAt is missing or not a date"));
  std::string out = "{\"_id\":\"" + common::OidHex(*id) + "\"";
  AppendMember(out, "room", room->value_or(kDefaultRoom));
  AppendMember(out, "deletedAt", *deleted);
  out += '}';
  return out;
}

std::optional<bson_oid_t> MessageId(const bson_t& doc) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, &doc, "_id") || !BSON_ITER_HOLDS_OID(&iter)) return std::nullopt;
  bson_oid_t oid;
  bson_oid_copy(bson_iter_oid(&iter), &oid);
  return oid;
}

std::expected<std::string, std::string> MessageJson(const bson_t& doc) {
  const auto id = MessageId(doc);
  if (!id) return std::unexpected(std::string("field _id is missing or not an ObjectId"));
  auto username = RequireUtf8(doc, "username");
  if (!username) return std::unexpected(std::move(username.error()));
  auto content = RequireUtf8(doc, "content");
  if (!content) return std::unexpected(std::move(content.error()));
  auto room = FindUtf8(doc, "room");
  if (!room) return std::unexpected(std::move(room.error()));

  // The ObjectId's creation second is always in range, so this has a value.
  std::string created = FindDate(doc, "createdAt")
                            .value_or(FormatIsoMillis(bson_oid_get_time_t(&*id) * int64_t{1000})
                                          .value_or("1970-01-01T00:00:00.000Z"));
  std::string updated = FindDate(doc, "updatedAt").value_or(created);

  std::string out = "{\"_id\":\"" + common::OidHex(*id) + "\"";
  AppendMember(out, "username", *username);
  AppendMember(out, "content", *content);
  AppendMember(out, "room", room->value_or(kDefaultRoom));
  AppendMember(out, "createdAt", created);
  AppendMember(out, "updatedAt", updated);
  // Only ever written by us; a value of another type is left out, not fatal.
  if (auto user_id = FindUtf8(doc, "userId"); user_id && *user_id) {
    AppendMember(out, "userId", **user_id);
  }
  if (auto edited = FindDate(doc, "editedAt")) AppendMember(out, "editedAt", *edited);
  out += '}';
  return out;
}

std::string HistoryJson(const std::vector<std::string>& message_jsons,
                        const std::optional<bson_oid_t>& next) {
  std::string out = "{\"messages\":[";
  for (size_t i = 0; i < message_jsons.size(); ++i) {
    if (i > 0) out += ',';
    out += message_jsons[i];
  }
  out += "],\"next\":";
  out += next ? "\"" + common::OidHex(*next) + "\"" : std::string("null");
  out += '}';
  return out;
}

}  // namespace chat
