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

}  // namespace

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
  const common::BsonPtr& documents = args->items;
  const std::optional<bool> ordered = args->ordered;
  bson_iter_t item;
  bson_iter_init(&item, documents.get());
  while (bson_iter_next(&item)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&item)) {
      return std::unexpected(TypeMismatch("each element of 'documents' must be an object"));
    }
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
  struct Pending {
    Collection::RecordId id;
    common::BsonPtr doc;
    EventStamp stamp;
  };
  std::vector<Pending> pending;
  common::BsonPtr journaled = common::NewBson();  // the docs array of the next record
  uint64_t next_seq = history_.last_seq() + 1;
  auto flush = [&](const bson_t* retryable_reply) -> std::optional<CommandError> {
    common::BsonPtr entry = NewJournalEntry("insert", call.db, coll);
    BSON_APPEND_ARRAY(entry.get(), "docs", journaled.get());
    if (retryable_reply != nullptr) AppendRetryableWrite(entry.get(), *rw_key, *retryable_reply);
    journaled = common::NewBson();
    std::optional<CommandError> failed = Journal(*entry, call.ctx);
    for (const Pending& p : pending) {
      if (failed) {
        collection->Remove(p.id);
      } else {
        RecordInsertEvent(call.db, coll, *p.doc, p.stamp);
      }
    }
    pending.clear();
    return failed;
  };

  common::BsonPtr write_errors = common::NewBson();
  uint32_t error_count = 0;
  int64_t inserted = 0, index = -1;
  bson_iter_init(&item, documents.get());
  while (bson_iter_next(&item)) {
    ++index;
    common::BsonPtr doc = WithId(*CopySubDocument(item));
    bson_iter_t id;
    bson_iter_init_find(&id, doc.get(), "_id");
    if (doc->len > static_cast<uint32_t>(wire::kMaxBsonObjectSize)) {
      AppendWriteError(write_errors.get(), error_count, index, 10334,
                       "object to insert too large: " + std::to_string(doc->len) + " bytes");
    } else if (BSON_ITER_HOLDS_ARRAY(&id)) {
      AppendWriteError(write_errors.get(), error_count, index, 2, "can't use an array for _id");
    } else {
      common::BsonPtr copy = common::CopyBson(*doc);
      auto added = collection->Insert(std::move(doc));
      if (added) {
        EventStamp stamp{next_seq++, clock_.Next(call.ctx.now_wall_ms), call.ctx.now_wall_ms};
        std::string key = std::to_string(pending.size());
        bson_t record;
        bson_append_document_begin(journaled.get(), key.c_str(), -1, &record);
        BSON_APPEND_DOCUMENT(&record, "doc", copy.get());
        AppendStamp(&record, stamp);
        bson_append_document_end(journaled.get(), &record);
        pending.push_back(Pending{*added, std::move(copy), stamp});
        ++inserted;
        ++opcounters_.insert;
        if (journaled->len > kJournalChunkBytes) {
          if (auto failed = flush(nullptr)) return std::unexpected(*failed);
        }
        continue;
      }
      AppendWriteError(write_errors.get(), error_count, index, 11000,
                       DuplicateKeyMessage(ns, added.error()), added.error().key_pattern.get(),
                       added.error().key_value.get());
    }
    if (ordered.value_or(true)) break;
  }

  common::BsonPtr reply = common::NewBson();
  BSON_APPEND_INT32(reply.get(), "n", static_cast<int32_t>(inserted));
  if (error_count > 0) BSON_APPEND_ARRAY(reply.get(), "writeErrors", write_errors.get());
  if (!pending.empty() || rw_key) {
    if (auto failed = flush(rw_key ? reply.get() : nullptr)) return std::unexpected(*failed);
    if (rw_key) {
      retryable_writes_.Remember(rw_key->session, rw_key->txn_number, common::CopyBson(*reply));
    }
  }
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::CmdDelete(const Call& call) {
  auto args = ReadWriteCommand(call.command, "delete", "deletes");
  if (!args) return std::unexpected(args.error());
  const std::string& coll = args->coll;
  const common::BsonPtr& deletes = args->items;
  const std::optional<bool> ordered = args->ordered;

  // Validate every statement before changing anything.
  struct Statement {
    common::BsonPtr filter;
    bool just_one = false;
    common::BsonPtr spec;  // the whole statement (hint)
  };
  std::vector<Statement> statements;
  bson_iter_t item;
  bson_iter_init(&item, deletes.get());
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
    statements.push_back(Statement{std::move(*filter), **limit == 1, std::move(statement)});
  }

  std::optional<RetryableWriteKey> rw_key;
  if (std::optional<Result> answered = BeginWrite(call, &rw_key)) return std::move(*answered);

  // As for inserts: documents leave the collection now, their events are
  // recorded after the journal has the deletion; on a journal failure they
  // are put back.
  struct Removed {
    common::BsonPtr doc;
    common::BsonPtr id;  // {id: <_id>}
    EventStamp stamp;
  };
  std::vector<Removed> removed;
  common::BsonPtr journaled = common::NewBson();
  common::BsonPtr write_errors = common::NewBson();
  uint32_t error_count = 0;
  uint64_t next_seq = history_.last_seq() + 1;
  Collection* collection = FindCollection(call.db, coll);
  for (size_t index = 0; index < statements.size(); ++index) {
    ++opcounters_.remove;
    auto matcher = query::Matcher::Compile(*statements[index].filter);
    std::optional<CommandError> bad_hint = CheckHint(*statements[index].spec, collection);
    if (!matcher || bad_hint) {
      AppendWriteError(write_errors.get(), error_count, static_cast<int64_t>(index),
                       matcher ? bad_hint->code : matcher.error().code,
                       matcher ? bad_hint->message : matcher.error().message);
      if (ordered.value_or(true)) break;
      continue;
    }
    if (collection == nullptr) continue;
    std::vector<Collection::RecordId> victims;
    collection->ForEachCandidate(*statements[index].filter,
                                 [&](Collection::RecordId record_id, const bson_t& doc) {
                                   if (!matcher->Matches(doc)) return true;
                                   victims.push_back(record_id);
                                   return !statements[index].just_one;
                                 });
    for (Collection::RecordId record_id : victims) {
      common::BsonPtr doc = collection->Take(record_id);
      common::BsonPtr key = common::NewBson();
      bson_iter_t id;
      if (bson_iter_init_find(&id, doc.get(), "_id")) {
        bson_append_value(key.get(), "id", 2, bson_iter_value(&id));
      } else {
        bson_append_null(key.get(), "id", 2);
      }
      EventStamp stamp{next_seq++, clock_.Next(call.ctx.now_wall_ms), call.ctx.now_wall_ms};
      bson_iter_t kept;
      bson_iter_init_find(&kept, key.get(), "id");
      std::string array_key = std::to_string(removed.size());
      bson_t record;
      bson_append_document_begin(journaled.get(), array_key.c_str(), -1, &record);
      bson_append_value(&record, "id", 2, bson_iter_value(&kept));
      AppendStamp(&record, stamp);
      bson_append_document_end(journaled.get(), &record);
      removed.push_back(Removed{std::move(doc), std::move(key), stamp});
    }
  }

  common::BsonPtr reply = common::NewBson();
  BSON_APPEND_INT32(reply.get(), "n", static_cast<int32_t>(removed.size()));
  if (error_count > 0) BSON_APPEND_ARRAY(reply.get(), "writeErrors", write_errors.get());
  if (!removed.empty() || rw_key) {
    common::BsonPtr entry = NewJournalEntry("delete", call.db, coll);
    BSON_APPEND_ARRAY(entry.get(), "docs", journaled.get());
    if (rw_key) AppendRetryableWrite(entry.get(), *rw_key, *reply);
    std::optional<CommandError> failed = Journal(*entry, call.ctx);
    for (Removed& r : removed) {
      if (failed) {
        (void)collection->Insert(std::move(r.doc));  // its keys were free before
      } else {
        bson_iter_t id;
        bson_iter_init_find(&id, r.id.get(), "id");
        RecordDeleteEvent(call.db, coll, *bson_iter_value(&id), r.stamp);
      }
    }
    if (failed) return std::unexpected(*failed);
    if (rw_key) {
      retryable_writes_.Remember(rw_key->session, rw_key->txn_number, common::CopyBson(*reply));
    }
  }
  return Outcome::Reply(std::move(reply));
}

}  // namespace devmongod
