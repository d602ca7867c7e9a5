// The chat's view of MongoDB: one client per process, created on first use
// and reused, and the few operations the workers need. Every database
// operation of the chat goes through this folder; elsewhere the driver is
// only initialised (app/worker_main.cc: MongoRuntime, its log handler) and
// its URI parser checks MONGODB_URI (core/config.cc: parsing, no I/O).
// Thread-safety: a ChatStore and its streams belong to one thread.
#pragma once

#include <bson/bson.h>

#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat/db/db_error.h"
#include "chat/db/mongo_handles.h"
#include "common/bson_ptr.h"

namespace chat::db {

struct StoreOptions {
  std::string uri;            // as configured (may carry credentials: never log it)
  std::string database;       // from the URI's path
  std::string collection;     // messages collection
  int32_t timeout_ms = 2000;  // server selection and connect timeout
  std::string app_name;       // reported in the handshake (shows in server logs)
};

// How many documents of the last cursor batch the server sent (aggregate's
// firstBatch or getMore's nextBatch) the driver still holds, as seen by
// command monitoring: the driver itself does not tell.
struct BatchLeft {
  // Of the change stream's cursor, from its aggregate; read by the stream's
  // watch thread (KillCursorElsewhere), hence atomic.
  std::atomic<int64_t> cursor_id = 0;
  int64_t documents = 0;
  int64_t aggregates = 0;  // change streams opened (Watch) or reopened (the driver's resume)
};

// A change stream over one room's messages: inserts, edits, soft deletes.
class MessageStream {
 public:
  MessageStream(ChangeStreamPtr stream, BatchLeft* batch)
      : stream_(std::move(stream)), batch_(batch), aggregates_at_open_(batch->aggregates) {}

  // Waits up to the stream's maxAwaitTimeMS. Returns the next change event
  // (an owned copy), a null pointer when none arrived in time, or an error.
  // The driver resumes transparently after one resumable error.
  std::expected<common::BsonPtr, DbError> Next();

  // The server's id of the stream's cursor (0 before the aggregate
  // answered); callable from any thread.
  int64_t CursorId() const { return batch_->cursor_id.load(std::memory_order_relaxed); }

  // True when the next Next() returns an event the driver already holds,
  // without waiting: a caller can write several events with one flush.
  bool HasBufferedEvents() const { return batch_->documents > 0; }

  // How often the driver reopened the change stream (resumed after a
  // resumable error) since it was opened.
  int64_t Reopens() const { return batch_->aggregates - aggregates_at_open_; }

  // The token to resume after everything returned so far (the last event's
  // _id, or the server's post-batch token); null before the server answered.
  common::BsonPtr ResumeToken();

 private:
  ChangeStreamPtr stream_;
  BatchLeft* batch_;  // the store's; outlives the stream
  int64_t aggregates_at_open_;
};

class ChatStore {
 public:
  // Parses the URI and prepares the client; connects lazily on first use.
  static std::expected<std::unique_ptr<ChatStore>, std::string> Create(const StoreOptions& options);

  std::expected<void, DbError> Ping();
  // Creates the {room: 1, _id: -1} index used by history pages (idempotent).
  std::expected<void, DbError> EnsureIndexes();
  std::expected<void, DbError> Insert(const bson_t& document);
  // The largest ObjectId _id in the collection (null when there is none),
  // read from the primary: a new message's id must sort after it (see
  // core/message_id.h). Uses the _id index; costs one short round trip.
  std::expected<std::optional<bson_oid_t>, DbError> NewestObjectId();
  // The message with this _id, or null when there is none.
  std::expected<common::BsonPtr, DbError> FindMessage(const bson_oid_t& id);
  // Applies `update` to the message with this _id if it also matches
  // `conditions` (one atomic findAndModify, so no other change slips in
  // between the check and the write); returns the message as updated, or null
  // when nothing matched.
  std::expected<common::BsonPtr, DbError> UpdateMessage(const bson_oid_t& id,
                                                        const bson_t& conditions,
                                                        const bson_t& update);
  // Up to `limit` messages of `room`, newest first, older than `before` if
  // given, soft-deleted ones left out. `more` is set when older messages
  // exist beyond the page.
  std::expected<std::vector<common::BsonPtr>, DbError> Latest(
      const std::string& room, int32_t limit, const std::optional<bson_oid_t>& before, bool* more);
  // Opens a change stream of the room's inserts, updates and replacements
  // (edits and soft deletes), with fullDocument: "updateLookup" so that the
  // room of an updated message is known; resumes after `resume_after` when
  // given. Errors of the opening aggregate (history lost, malformed token,
  // server unreachable) are reported here.
  std::expected<std::unique_ptr<MessageStream>, DbError> Watch(const std::string& room,
                                                               const bson_t* resume_after,
                                                               int32_t max_await_ms);

 private:
  ChatStore(ClientPtr client, CollectionPtr collection)
      : client_(std::move(client)), collection_(std::move(collection)) {}

  ClientPtr client_;
  CollectionPtr collection_;
  // Set by the client's command-monitoring callback: one stream at a time
  // reads from it (a store belongs to one thread, a worker serves one
  // request at a time).
  BatchLeft batch_;
};

// Kills cursor `cursor_id` of the messages collection over a connection of
// its own, and closes that connection. This is how a stream's watch thread
// ends the stream's getMore early: the stream's own client is busy in that
// getMore (and belongs to another thread), and killing the cursor makes the
// server end the getMore at once with CursorKilled, which drivers do not
// resume after. MongoDB lets a user kill their own cursors from any session
// (4.2+). Thread-safe.
std::expected<void, DbError> KillCursorElsewhere(const StoreOptions& options, int64_t cursor_id);

// {room: r}, or for the default room also documents without a room field.
void AppendRoomFilter(bson_t* filter, const char* field, const std::string& room);

}  // namespace chat::db
