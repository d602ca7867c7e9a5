#include "chat/db/chat_store.h"

#include <cstring>

#include "chat/core/room.h"

namespace chat::db {
namespace {

// The driver always initialises `reply`, success or not; the server's error
// document in it carries labels the bson_error_t lacks.
std::expected<void, DbError> Outcome(bool ok, bson_t* reply, const bson_error_t& error) {
  std::expected<void, DbError> result;
  if (!ok) result = std::unexpected(ClassifyError(error, reply));
  bson_destroy(reply);
  return result;
}

// Command monitoring: the cursor an aggregate opens with $changeStream, and
// how many documents each batch of that cursor brings. Only the chat's
// Watch runs aggregate; a find (history) cursor's getMore is told apart by
// its id.
void CountBatch(const mongoc_apm_command_succeeded_t* event) {
  auto* batch = static_cast<BatchLeft*>(mongoc_apm_command_succeeded_get_context(event));
  const char* name = mongoc_apm_command_succeeded_get_command_name(event);
  const bool aggregate = std::strcmp(name, "aggregate") == 0;
  if (!aggregate && std::strcmp(name, "getMore") != 0) return;
  bson_iter_t cursor;
  bson_iter_t field;
  if (!bson_iter_init_find(&cursor, mongoc_apm_command_succeeded_get_reply(event), "cursor") ||
      !BSON_ITER_HOLDS_DOCUMENT(&cursor) || !bson_iter_recurse(&cursor, &field) ||
      !bson_iter_find(&field, "id") || !BSON_ITER_HOLDS_INT(&field)) {
    return;
  }
  const int64_t id = bson_iter_as_int64(&field);
  if (!aggregate && id != batch->cursor_id) return;
  if (aggregate) ++batch->aggregates;
  batch->cursor_id = id;
  int64_t documents = 0;
  bson_iter_t docs;
  if (bson_iter_recurse(&cursor, &field) &&
      bson_iter_find(&field, aggregate ? "firstBatch" : "nextBatch") &&
      BSON_ITER_HOLDS_ARRAY(&field) && bson_iter_recurse(&field, &docs)) {
    while (bson_iter_next(&docs)) ++documents;
  }
  batch->documents = documents;
}

// A client for the chat's database as StoreOptions say: timeouts, app
// name, and w: majority unless the URI sets a write concern.
std::expected<ClientPtr, std::string> NewClient(const StoreOptions& options) {
  bson_error_t error;
  UriPtr uri(mongoc_uri_new_with_error(options.uri.c_str(), &error));
  if (!uri) return std::unexpected(std::string("invalid MongoDB URI: ") + error.message);
  // CHAT_DB_TIMEOUT_MS bounds how long a request waits for an unreachable
  // database before it answers 503 (or an SSE error event).
  mongoc_uri_set_option_as_int32(uri.get(), MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                                 options.timeout_ms);
  mongoc_uri_set_option_as_int32(uri.get(), MONGOC_URI_CONNECTTIMEOUTMS, options.timeout_ms);
  // Keep trying until the timeout instead of failing at the first refused
  // connection: a database that is restarting answers within it.
  mongoc_uri_set_option_as_bool(uri.get(), MONGOC_URI_SERVERSELECTIONTRYONCE, false);
  if (!options.app_name.empty() &&
      !mongoc_uri_get_option_as_utf8(uri.get(), MONGOC_URI_APPNAME, nullptr)) {
    mongoc_uri_set_appname(uri.get(), options.app_name.c_str());
  }
  // An acknowledged message must survive a primary failover: unless the URI
  // says otherwise, wait for a majority.
  const mongoc_write_concern_t* uri_wc = mongoc_uri_get_write_concern(uri.get());
  bool uri_sets_w = mongoc_write_concern_get_w(uri_wc) != MONGOC_WRITE_CONCERN_W_DEFAULT ||
                    mongoc_write_concern_get_wtag(uri_wc) != nullptr;
  ClientPtr client(mongoc_client_new_from_uri_with_error(uri.get(), &error));
  if (!client)
    return std::unexpected(std::string("cannot create MongoDB client: ") + error.message);
  mongoc_client_set_error_api(client.get(), MONGOC_ERROR_API_VERSION_2);
  if (!uri_sets_w) {
    mongoc_write_concern_t* wc = mongoc_write_concern_new();
    mongoc_write_concern_set_w(wc, MONGOC_WRITE_CONCERN_W_MAJORITY);
    mongoc_write_concern_set_wtimeout_int64(wc, static_cast<int64_t>(options.timeout_ms) * 5);
    mongoc_client_set_write_concern(client.get(), wc);
    mongoc_write_concern_destroy(wc);
  }
  return client;
}

}  // namespace

void AppendRoomFilter(bson_t* filter, const char* field, const std::string& room) {
  if (room != kDefaultRoom) {
    BSON_APPEND_UTF8(filter, field, room.c_str());
    return;
  }
  // Messages written by other tools may lack a room; they belong to the
  // default room (the seed design had no rooms at all).
  bson_t any_of;
  bson_t clause;
  bson_t exists;
  BSON_APPEND_ARRAY_BEGIN(filter, "$or", &any_of);
  BSON_APPEND_DOCUMENT_BEGIN(&any_of, "0", &clause);
  bson_append_utf8(&clause, field, -1, kDefaultRoom.data(), static_cast<int>(kDefaultRoom.size()));
  bson_append_document_end(&any_of, &clause);
  BSON_APPEND_DOCUMENT_BEGIN(&any_of, "1", &clause);
  BSON_APPEND_DOCUMENT_BEGIN(&clause, field, &exists);
  BSON_APPEND_BOOL(&exists, "$exists", false);
  bson_append_document_end(&clause, &exists);
  bson_append_document_end(&any_of, &clause);
  bson_append_array_end(filter, &any_of);
}

std::expected<std::unique_ptr<ChatStore>, std::string> ChatStore::Create(
    const StoreOptions& options) {
  auto client = NewClient(options);
  if (!client) return std::unexpected(std::move(client.error()));
  CollectionPtr collection(mongoc_client_get_collection(client->get(), options.database.c_str(),
                                                        options.collection.c_str()));
  std::unique_ptr<ChatStore> store(new ChatStore(std::move(*client), std::move(collection)));
  ApmCallbacksPtr callbacks(mongoc_apm_callbacks_new());
  mongoc_apm_set_command_succeeded_cb(callbacks.get(), CountBatch);
  mongoc_client_set_apm_callbacks(store->client_.get(), callbacks.get(), &store->batch_);
  return store;
}

std::expected<void, DbError> KillCursorElsewhere(const StoreOptions& options, int64_t cursor_id) {
  auto client = NewClient(options);
  if (!client) return std::unexpected(DbError{DbError::Kind::kOther, 0, client.error()});
  common::BsonPtr command(BCON_NEW("killCursors", BCON_UTF8(options.collection.c_str()), "cursors",
                                   "[", BCON_INT64(cursor_id), "]"));
  bson_t reply;
  bson_error_t error;
  const bool ok = mongoc_client_command_simple(client->get(), options.database.c_str(),
                                               command.get(), nullptr, &reply, &error);
  return Outcome(ok, &reply, error);
}

std::expected<void, DbError> ChatStore::Ping() {
  common::BsonPtr command(BCON_NEW("ping", BCON_INT32(1)));
  bson_t reply;
  bson_error_t error;
  bool ok =
      mongoc_client_command_simple(client_.get(), "admin", command.get(), nullptr, &reply, &error);
  return Outcome(ok, &reply, error);
}

std::expected<void, DbError> ChatStore::EnsureIndexes() {
  common::BsonPtr keys(BCON_NEW("room", BCON_INT32(1), "_id", BCON_INT32(-1)));
  common::BsonPtr command(BCON_NEW(
      "createIndexes", BCON_UTF8(mongoc_collection_get_name(collection_.get())), "indexes", "[",
      "{", "key", BCON_DOCUMENT(keys.get()), "name", BCON_UTF8("room_1__id_-1"), "}", "]"));
  bson_t reply;
  bson_error_t error;
  bool ok = mongoc_collection_write_command_with_opts(collection_.get(), command.get(), nullptr,
                                                      &reply, &error);
  return Outcome(ok, &reply, error);
}

std::expected<void, DbError> ChatStore::Insert(const bson_t& document) {
  bson_t reply;
  bson_error_t error;
  bool ok = mongoc_collection_insert_one(collection_.get(), &document, nullptr, &reply, &error);
  return Outcome(ok, &reply, error);
}

std::expected<std::optional<bson_oid_t>, DbError> ChatStore::NewestObjectId() {
  // Comparison operators only match values of their operand's type, so this
  // bound keeps _ids of other types (which sort above ObjectIds) out.
  bson_oid_t largest;
  std::memset(largest.bytes, 0xFF, sizeof largest.bytes);
  common::BsonPtr filter(BCON_NEW("_id", "{", "$lte", BCON_OID(&largest), "}"));
  common::BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(-1), "}", "limit", BCON_INT64(1),
                                "projection", "{", "_id", BCON_INT32(1), "}"));
  // Whatever read preference the URI names: only the primary is sure to
  // hold every acknowledged message.
  ReadPrefsPtr primary(mongoc_read_prefs_new(MONGOC_READ_PRIMARY));
  CursorPtr cursor(
      mongoc_collection_find_with_opts(collection_.get(), filter.get(), opts.get(), primary.get()));
  std::optional<bson_oid_t> newest;
  const bson_t* doc = nullptr;
  bson_iter_t iter;
  if (mongoc_cursor_next(cursor.get(), &doc) && bson_iter_init_find(&iter, doc, "_id") &&
      BSON_ITER_HOLDS_OID(&iter)) {
    newest.emplace();
    bson_oid_copy(bson_iter_oid(&iter), &*newest);
  }
  bson_error_t error;
  const bson_t* reply = nullptr;
  if (mongoc_cursor_error_document(cursor.get(), &error, &reply)) {
    return std::unexpected(ClassifyError(error, reply));
  }
  return newest;
}

std::expected<common::BsonPtr, DbError> ChatStore::FindMessage(const bson_oid_t& id) {
  common::BsonPtr filter(BCON_NEW("_id", BCON_OID(&id)));
  common::BsonPtr opts(BCON_NEW("limit", BCON_INT64(1)));
  CursorPtr cursor(
      mongoc_collection_find_with_opts(collection_.get(), filter.get(), opts.get(), nullptr));
  const bson_t* doc = nullptr;
  common::BsonPtr found;
  if (mongoc_cursor_next(cursor.get(), &doc)) found = common::CopyBson(*doc);
  bson_error_t error;
  const bson_t* reply = nullptr;
  if (mongoc_cursor_error_document(cursor.get(), &error, &reply)) {
    return std::unexpected(ClassifyError(error, reply));
  }
  return found;
}

std::expected<common::BsonPtr, DbError> ChatStore::UpdateMessage(const bson_oid_t& id,
                                                                 const bson_t& conditions,
                                                                 const bson_t& update) {
  common::BsonPtr query(BCON_NEW("_id", BCON_OID(&id)));
  if (!bson_concat(query.get(), &conditions)) {
    return std::unexpected(DbError{DbError::Kind::kOther, 0, "conditions do not fit"});
  }
  FindAndModifyOptsPtr opts(mongoc_find_and_modify_opts_new());
  mongoc_find_and_modify_opts_set_update(opts.get(), &update);
  mongoc_find_and_modify_opts_set_flags(opts.get(), MONGOC_FIND_AND_MODIFY_RETURN_NEW);
  bson_t reply;
  bson_error_t error;
  if (!mongoc_collection_find_and_modify_with_opts(collection_.get(), query.get(), opts.get(),
                                                   &reply, &error)) {
    DbError failure = ClassifyError(error, &reply);
    bson_destroy(&reply);
    return std::unexpected(std::move(failure));
  }
  common::BsonPtr updated;
  bson_iter_t value;
  if (bson_iter_init_find(&value, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&value)) {
    uint32_t length = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&value, &length, &data);
    updated = common::BsonFromData(data, length);
  }
  bson_destroy(&reply);
  return updated;
}

std::expected<std::vector<common::BsonPtr>, DbError> ChatStore::Latest(
    const std::string& room, int32_t limit, const std::optional<bson_oid_t>& before, bool* more) {
  common::BsonPtr filter = common::NewBson();
  AppendRoomFilter(filter.get(), "room", room);
  BSON_APPEND_DOCUMENT(filter.get(), "deletedAt",
                       common::BsonPtr(BCON_NEW("$exists", BCON_BOOL(false))).get());
  if (before) {
    bson_t range;
    BSON_APPEND_DOCUMENT_BEGIN(filter.get(), "_id", &range);
    BSON_APPEND_OID(&range, "$lt", &*before);
    bson_append_document_end(filter.get(), &range);
  }
  // One extra document tells whether another page exists.
  common::BsonPtr opts(
      BCON_NEW("sort", "{", "_id", BCON_INT32(-1), "}", "limit", BCON_INT64(limit + 1)));
  CursorPtr cursor(
      mongoc_collection_find_with_opts(collection_.get(), filter.get(), opts.get(), nullptr));
  std::vector<common::BsonPtr> page;
  const bson_t* doc = nullptr;
  *more = false;
  while (mongoc_cursor_next(cursor.get(), &doc)) {
    if (static_cast<int32_t>(page.size()) == limit) {
      *more = true;
      break;
    }
    page.push_back(common::CopyBson(*doc));
  }
  bson_error_t error;
  const bson_t* reply = nullptr;
  if (mongoc_cursor_error_document(cursor.get(), &error, &reply)) {
    return std::unexpected(ClassifyError(error, reply));
  }
  return page;
}

std::expected<std::unique_ptr<MessageStream>, DbError> ChatStore::Watch(const std::string& room,
                                                                        const bson_t* resume_after,
                                                                        int32_t max_await_ms) {
  common::BsonPtr pipeline = common::NewBson();
  bson_t stages;
  bson_t stage;
  bson_t match;
  BSON_APPEND_ARRAY_BEGIN(pipeline.get(), "pipeline", &stages);
  BSON_APPEND_DOCUMENT_BEGIN(&stages, "0", &stage);
  BSON_APPEND_DOCUMENT_BEGIN(&stage, "$match", &match);
  common::BsonPtr operations(
      BCON_NEW("$in", "[", BCON_UTF8("insert"), BCON_UTF8("update"), BCON_UTF8("replace"), "]"));
  BSON_APPEND_DOCUMENT(&match, "operationType", operations.get());
  AppendRoomFilter(&match, "fullDocument.room", room);
  bson_append_document_end(&stage, &match);
  bson_append_document_end(&stages, &stage);
  bson_append_array_end(pipeline.get(), &stages);

  // An update event carries the changed fields only; the room filter and the
  // update/delete frames need the whole message. updateLookup (MongoDB 3.6+)
  // reads it when the event is returned, so an edit followed by a delete may
  // show the deleted state in the edit's event (stream_frames.h skips it).
  common::BsonPtr opts(BCON_NEW("maxAwaitTimeMS", BCON_INT64(max_await_ms), "fullDocument",
                                BCON_UTF8("updateLookup")));
  if (resume_after) BSON_APPEND_DOCUMENT(opts.get(), "resumeAfter", resume_after);
  ChangeStreamPtr stream(mongoc_collection_watch(collection_.get(), pipeline.get(), opts.get()));
  bson_error_t error;
  const bson_t* reply = nullptr;
  if (mongoc_change_stream_error_document(stream.get(), &error, &reply)) {
    return std::unexpected(ClassifyError(error, reply));
  }
  return std::make_unique<MessageStream>(std::move(stream), &batch_);
}

std::expected<common::BsonPtr, DbError> MessageStream::Next() {
  const bson_t* event = nullptr;
  if (mongoc_change_stream_next(stream_.get(), &event)) {
    if (batch_->documents > 0) --batch_->documents;
    return common::CopyBson(*event);
  }
  batch_->documents = 0;
  bson_error_t error;
  const bson_t* reply = nullptr;
  if (mongoc_change_stream_error_document(stream_.get(), &error, &reply)) {
    return std::unexpected(ClassifyError(error, reply));
  }
  return common::BsonPtr();
}

common::BsonPtr MessageStream::ResumeToken() {
  const bson_t* token = mongoc_change_stream_get_resume_token(stream_.get());
  return token ? common::CopyBson(*token) : common::BsonPtr();
}

}  // namespace chat::db
