// Write commands: insert and delete. Each applies its changes in memory,
// records one change event per document, journals one record for the whole
// command (before the reply exists) and remembers the reply for retryable
// writes.
#include "devmongod/engine/bson_fields.h"
#include "devmongod/engine/engine_core.h"
#include "devmongod/engine/hint_check.h"
#include "devmongod/engine/journal_entries.h"
#include "devmongod/engine/write_support.h"
#include "devmongod/query/query.h"
#include "devmongod/wire/wire_message.h"

namespace devmongod {
namespace {

constexpr uint32_t kJournalChunkBytes = 8 * 1024 * 1024;

// An insert checks every document's type before inserting any.
std::optional<CommandError> CheckAllDocuments(const bson_t& documents) {
  bson_iter_t item;
  bson_iter_init(&item, &documents);
  while (bson_iter_next(&item)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&item)) {
      return TypeMismatch("each element of 'documents' must be an object");
    }
  }
  return std::nullopt;
}

// Why mongod refuses to insert `doc` before looking at the collection, if it does.
std::optional<CommandError> InsertRefusal(const bson_t& doc) {
  bson_iter_t id;
  bson_iter_init_find(&id, &doc, "_id");
  if (doc.len > static_cast<uint32_t>(wire::kMaxBsonObjectSize)) {
    return MakeError(10334, "BSONObjectTooLarge",
                     "object to insert too large: " + std::to_string(doc.len) + " bytes");
  }
  if (BSON_ITER_HOLDS_ARRAY(&id)) return BadValue("can't use an array for _id");
  return std::nullopt;
}

struct DeleteStatement {
  common::BsonPtr filter;
  bool just_one = false;
  common::BsonPtr spec;  // the whole statement (hint)
};

// Every statement is checked before anything is deleted.
std::expected<std::vector<DeleteStatement>, CommandError> ReadDeleteStatements(
    const bson_t& deletes) {
  std::vector<DeleteStatement> statements;
  bson_iter_t item;
  bson_iter_init(&item, &deletes);
  while (bson_iter_next(&item)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&item)) {
      return std::unexpected(TypeMismatch("each element of 'deletes' must be an object"));
    }
    common::BsonPtr statement = CopySubDocument(item);
    auto filter = ReadOptionalDocument(*statement, "q");
    if (!filter) return std::unexpected(filter.error());
    if (!*filter) {
      return std::unexpected(FailedToParse("BSON field 'delete.deletes.q' is missing"));
    }
    auto limit = ReadOptionalInt(*statement, "limit");
    if (!limit) return std::unexpected(limit.error());
    if (!limit->has_value() || (**limit != 0 && **limit != 1)) {
      return std::unexpected(BadValue("The limit field in delete objects must be 0 or 1"));
    }
    statements.push_back(DeleteStatement{std::move(*filter), **limit == 1, std::move(statement)});
  }
  return statements;
}

// {id: <_id>} of a document (null when it has none): a delete's journal
// record and change event name the document by it.
common::BsonPtr IdKey(const bson_t& doc) {
  common::BsonPtr key = common::NewBson();
  bson_iter_t id;
  if (bson_iter_init_find(&id, &doc, "_id")) {
    bson_append_value(key.get(), "id", 2, bson_iter_value(&id));
  } else {
    bson_append_null(key.get(), "id", 2);
  }
  return key;
}

// Appends {<field>: doc or id, stamp} as element `index` of a journal docs array.
void AppendJournalRecord(bson_t* records, size_t index, const char* field, const bson_t* doc,
                         const bson_value_t* id, const EventStamp& stamp) {
  std::string key = std::to_string(index);
  bson_t record;
  bson_append_document_begin(records, key.c_str(), -1, &record);
  if (doc != nullptr) BSON_APPEND_DOCUMENT(&record, field, doc);
  if (id != nullptr) bson_append_value(&record, field, -1, id);
  AppendStamp(&record, stamp);
  bson_append_document_end(records, &record);
}

// The reply of insert and delete.
common::BsonPtr WriteReply(size_t n, const bson_t& write_errors, uint32_t error_count) {
  common::BsonPtr reply = common::NewBson();
  BSON_APPEND_INT32(reply.get(), "n", static_cast<int32_t>(n));
  if (error_count > 0) BSON_APPEND_ARRAY(reply.get(), "writeErrors", &write_errors);
  return reply;
}

}  // namespace

struct EngineCore::PendingWrite {
  bool is_delete = false;
  Collection::RecordId record = 0;  // an insert: where the document went
  common::BsonPtr doc;              // the inserted or removed document
  common::BsonPtr id_key;           // a delete: {id: <_id>}
  EventStamp stamp;
};

std::optional<CommandError> EngineCore::JournalPendingWrites(
    const Call& call, const std::string& coll, Collection* collection, const char* op,
    common::BsonPtr& records, std::vector<PendingWrite>& pending,
    const std::optional<RetryableWriteKey>& rw_key, const bson_t* retryable_reply) {
  common::BsonPtr entry = NewJournalEntry(op, call.db, coll);
  BSON_APPEND_ARRAY(entry.get(), "docs", records.get());
  if (retryable_reply != nullptr) AppendRetryableWrite(entry.get(), *rw_key, *retryable_reply);
  records = common::NewBson();
  std::optional<CommandError> failed = Journal(*entry, call.ctx);
  for (PendingWrite& write : pending) {
    if (!write.is_delete) {
      if (failed) {
        collection->Remove(write.record);
      } else {
        RecordInsertEvent(call.db, coll, *write.doc, write.stamp);
      }
    } else if (failed) {
      (void)collection->Insert(std::move(write.doc));  // its keys were free before
    } else {
      bson_iter_t id;
      bson_iter_init_find(&id, write.id_key.get(), "id");
      RecordDeleteEvent(call.db, coll, *bson_iter_value(&id), write.stamp);
    }
  }
  pending.clear();
  if (!failed && retryable_reply != nullptr) {
    retryable_writes_.Remember(rw_key->session, rw_key->txn_number,
                               common::CopyBson(*retryable_reply));
  }
  return failed;
}

// The start every write shares: a retried retryable write gets its first
// reply again (and is not applied twice), and nothing is written once the
// journal has failed.
std::optional<EngineCore::Result> EngineCore::BeginWrite(const Call& call,
                                                         std::optional<RetryableWriteKey>* rw_key) {
  *rw_key = ReadRetryableWriteKey(call.command);
  if (*rw_key) {
    if (const bson_t* earlier = retryable_writes_.Find((*rw_key)->session, (*rw_key)->txn_number)) {
      return Result(Outcome::Reply(common::CopyBson(*earlier)));
    }
  }
  if (auto refused = CheckWritable()) return Result(std::unexpected(*refused));
  return std::nullopt;
}

EngineCore::Result EngineCore::CmdInsert(const Call& call) {
  auto args = ReadWriteCommand(call.command, "insert", "documents");
  if (!args) return std::unexpected(args.error());
  const std::string& coll = args->coll;
  if (auto refused = CheckAllDocuments(*args->items)) {
    return std::unexpected(*refused);
  }
  std::optional<RetryableWriteKey> rw_key;
  if (std::optional<Result> answered = BeginWrite(call, &rw_key)) return std::move(*answered);

  const std::string ns = call.db + "." + coll;
  Collection* collection = FindCollection(call.db, coll);
  if (collection == nullptr) {
    // Journal first: memory never holds what the journal lacks.
    common::BsonPtr create = NewJournalEntry("create", call.db, coll);
    if (auto failed = Journal(*create, call.ctx)) return std::unexpected(*failed);
    collection = &CreateCollection(call.db, coll);
  }

  // Documents enter the collection as they are checked (a later one may
  // collide with an earlier one), but their change events are only recorded
  // once the journal has them; if the journal fails they are taken out again,
  // so no reader or stream ever sees an unacknowledged write. A big insert
  // (up to 48 MB) is journaled in chunks so no record nears the payload limit.
  std::vector<PendingWrite> pending;
  common::BsonPtr records = common::NewBson();  // the docs array of the next record
  common::BsonPtr write_errors = common::NewBson();
  uint32_t error_count = 0;
  int64_t inserted = 0, index = -1;
  uint64_t next_seq = history_.last_seq() + 1;
  bson_iter_t item;
  bson_iter_init(&item, args->items.get());
  while (bson_iter_next(&item)) {
    ++index;
    common::BsonPtr doc = WithId(*CopySubDocument(item));
    if (std::optional<CommandError> refused = InsertRefusal(*doc)) {
      AppendWriteError(write_errors.get(), error_count, index, refused->code, refused->message);
      if (args->ordered.value_or(true)) break;
      continue;
    }
    common::BsonPtr copy = common::CopyBson(*doc);
    auto added = collection->Insert(std::move(doc));
    if (!added) {
      AppendWriteError(write_errors.get(), error_count, index, 11000,
                       DuplicateKeyMessage(ns, added.error()), added.error().key_pattern.get(),
                       added.error().key_value.get());
      if (args->ordered.value_or(true)) break;
      continue;
    }
    EventStamp stamp{next_seq++, clock_.Next(call.ctx.now_wall_ms), call.ctx.now_wall_ms};
    AppendJournalRecord(records.get(), pending.size(), "doc", copy.get(), nullptr, stamp);
    pending.push_back(PendingWrite{false, *added, std::move(copy), nullptr, stamp});
    ++inserted;
    ++opcounters_.insert;
    if (records->len > kJournalChunkBytes) {
      auto failed =
          JournalPendingWrites(call, coll, collection, "insert", records, pending, rw_key, nullptr);
      if (failed) return std::unexpected(*failed);
    }
  }

  common::BsonPtr reply = WriteReply(static_cast<size_t>(inserted), *write_errors, error_count);
  if (!pending.empty() || rw_key) {
    auto failed = JournalPendingWrites(call, coll, collection, "insert", records, pending, rw_key,
                                       rw_key ? reply.get() : nullptr);
    if (failed) return std::unexpected(*failed);
  }
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::CmdDelete(const Call& call) {
  auto args = ReadWriteCommand(call.command, "delete", "deletes");
  if (!args) return std::unexpected(args.error());
  const std::string& coll = args->coll;
  auto statements = ReadDeleteStatements(*args->items);
  if (!statements) return std::unexpected(statements.error());
  std::optional<RetryableWriteKey> rw_key;
  if (std::optional<Result> answered = BeginWrite(call, &rw_key)) return std::move(*answered);

  // As for inserts: documents leave the collection now, their events are
  // recorded after the journal has the deletion; on a journal failure they
  // are put back.
  std::vector<PendingWrite> removed;
  common::BsonPtr records = common::NewBson();
  common::BsonPtr write_errors = common::NewBson();
  uint32_t error_count = 0;
  uint64_t next_seq = history_.last_seq() + 1;
  Collection* collection = FindCollection(call.db, coll);
  for (size_t index = 0; index < statements->size(); ++index) {
    const DeleteStatement& statement = (*statements)[index];
    ++opcounters_.remove;
    auto matcher = query::Matcher::Compile(*statement.filter);
    std::optional<CommandError> bad_hint = CheckHint(*statement.spec, collection);
    if (!matcher || bad_hint) {
      AppendWriteError(write_errors.get(), error_count, static_cast<int64_t>(index),
                       matcher ? bad_hint->code : matcher.error().code,
                       matcher ? bad_hint->message : matcher.error().message);
      if (args->ordered.value_or(true)) break;
      continue;
    }
    if (collection == nullptr) continue;
    std::vector<Collection::RecordId> victims;
    collection->ForEachCandidate(*statement.filter,
                                 [&](Collection::RecordId record_id, const bson_t& doc) {
                                   if (!matcher->Matches(doc)) return true;
                                   victims.push_back(record_id);
                                   return !statement.just_one;
                                 });
    for (Collection::RecordId record_id : victims) {
      common::BsonPtr doc = collection->Take(record_id);
      common::BsonPtr key = IdKey(*doc);
      EventStamp stamp{next_seq++, clock_.Next(call.ctx.now_wall_ms), call.ctx.now_wall_ms};
      bson_iter_t id;
      bson_iter_init_find(&id, key.get(), "id");
      AppendJournalRecord(records.get(), removed.size(), "id", nullptr, bson_iter_value(&id),
                          stamp);
      removed.push_back(PendingWrite{true, 0, std::move(doc), std::move(key), stamp});
    }
  }

  common::BsonPtr reply = WriteReply(removed.size(), *write_errors, error_count);
  if (!removed.empty() || rw_key) {
    auto failed = JournalPendingWrites(call, coll, collection, "delete", records, removed, rw_key,
                                       rw_key ? reply.get() : nullptr);
    if (failed) return std::unexpected(*failed);
  }
  return Outcome::Reply(std::move(reply));
}

}  // namespace devmongod
