// Write commands that change documents in place: update and findAndModify.
// Like insert and delete, each applies its changes in memory, journals one
// record for the whole command (before the reply exists), then records the
// change events (update with updateDescription, replace with the document,
// insert for an upsert, delete for findAndModify's remove) and remembers the
// reply for retryable writes.
#include <algorithm>

#include "devmongod/engine/bson_fields.h"
#include "devmongod/engine/engine_core.h"
#include "devmongod/engine/hint_check.h"
#include "devmongod/engine/journal_entries.h"
#include "devmongod/engine/query_error.h"
#include "devmongod/engine/update_spec.h"
#include "devmongod/engine/write_support.h"
#include "devmongod/query/query.h"

namespace devmongod {
namespace {

constexpr const char* kKindNames[] = {"insert", "delete", "drop", "update", "replace"};

common::BsonPtr RemovedFieldsArray(const std::vector<std::string>& paths) {
  common::BsonPtr array = common::NewBson();
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string key = std::to_string(i);
    bson_append_utf8(array.get(), key.c_str(), -1, paths[i].c_str(), -1);
  }
  return array;
}

std::expected<UpdateStatement, CommandError> ReadUpdateStatement(const bson_iter_t& item) {
  if (!BSON_ITER_HOLDS_DOCUMENT(&item)) {
    return std::unexpected(TypeMismatch("each element of 'updates' must be an object"));
  }
  common::BsonPtr statement = CopySubDocument(item);
  auto filter = ReadOptionalDocument(*statement, "q");
  if (!filter) return std::unexpected(filter.error());
  if (!*filter) return std::unexpected(FailedToParse("BSON field 'update.updates.q' is missing"));
  bson_iter_t u;
  if (!FindField(*statement, "u", &u)) {
    return std::unexpected(FailedToParse("BSON field 'update.updates.u' is missing"));
  }
  auto upsert = ReadOptionalBool(*statement, "upsert");
  if (!upsert) return std::unexpected(upsert.error());
  auto multi = ReadOptionalBool(*statement, "multi");
  if (!multi) return std::unexpected(multi.error());
  return UpdateStatement{std::move(statement), std::move(*filter), upsert->value_or(false),
                         multi->value_or(false)};
}

void AppendIdValue(bson_t* out, const char* key, const bson_t& doc) {
  bson_iter_t id;
  if (bson_iter_init_find(&id, &doc, "_id")) bson_append_value(out, key, -1, bson_iter_value(&id));
}

}  // namespace

std::optional<CommandError> EngineCore::CommitChanges(
    const Call& call, const std::string& coll, Collection& collection,
    std::vector<DocumentChange>& changes, const std::optional<RetryableWriteKey>& rw_key,
    const bson_t& reply) {
  if (changes.empty() && !rw_key) return std::nullopt;
  common::BsonPtr items = common::NewBson();
  for (size_t i = 0; i < changes.size(); ++i) {
    const DocumentChange& change = changes[i];
    const std::string key = std::to_string(i);
    bson_t item;
    bson_append_document_begin(items.get(), key.c_str(), -1, &item);
    BSON_APPEND_UTF8(&item, "kind", kKindNames[static_cast<int>(change.kind)]);
    if (change.after) {
      BSON_APPEND_DOCUMENT(&item, "doc", change.after.get());
    } else {
      AppendIdValue(&item, "id", *change.before);
    }
    if (change.kind == ChangeEvent::Kind::kUpdate) {
      BSON_APPEND_DOCUMENT(&item, "updated", change.updated_fields.get());
      BSON_APPEND_ARRAY(&item, "removed", change.removed_fields.get());
    }
    AppendStamp(&item, change.stamp);
    bson_append_document_end(items.get(), &item);
  }
  common::BsonPtr entry = NewJournalEntry("change", call.db, coll);
  BSON_APPEND_ARRAY(entry.get(), "docs", items.get());
  if (rw_key) AppendRetryableWrite(entry.get(), *rw_key, reply);
  if (std::optional<CommandError> failed = Journal(*entry, call.ctx)) {
    // Undone newest first, so each record gets back what it had.
    for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
      if (it->kind == ChangeEvent::Kind::kInsert) {
        collection.Remove(it->record);
      } else if (it->kind == ChangeEvent::Kind::kDelete) {
        (void)collection.Insert(std::move(it->before));
      } else {
        (void)collection.Replace(it->record, std::move(it->before));
      }
    }
    return failed;
  }
  for (const DocumentChange& change : changes) RecordChangeEvent(call.db, coll, change);
  if (rw_key) {
    retryable_writes_.Remember(rw_key->session, rw_key->txn_number, common::CopyBson(reply));
  }
  return std::nullopt;
}

EngineCore::Result EngineCore::CmdUpdate(const Call& call) {
  auto args = ReadWriteCommand(call.command, "update", "updates");
  if (!args) return std::unexpected(args.error());
  const std::string& coll = args->coll;
  const common::BsonPtr& updates = args->items;
  const std::optional<bool> ordered = args->ordered;
  std::vector<UpdateStatement> statements;
  bson_iter_t item;
  bson_iter_init(&item, updates.get());
  while (bson_iter_next(&item)) {
    auto statement = ReadUpdateStatement(item);
    if (!statement) return std::unexpected(statement.error());
    statements.push_back(std::move(*statement));
  }

  std::optional<RetryableWriteKey> rw_key;
  if (std::optional<Result> answered = BeginWrite(call, &rw_key)) return std::move(*answered);
  Collection* collection = FindCollection(call.db, coll);
  if (collection == nullptr) {
    common::BsonPtr create = NewJournalEntry("create", call.db, coll);
    if (auto failed = Journal(*create, call.ctx)) return std::unexpected(*failed);
    collection = &CreateCollection(call.db, coll);
  }

  std::vector<DocumentChange> changes;
  common::BsonPtr write_errors = common::NewBson(), upserted = common::NewBson();
  uint32_t error_count = 0, upserted_count = 0;
  int64_t matched = 0, modified = 0;
  for (size_t index = 0; index < statements.size(); ++index) {
    ++opcounters_.update;
    auto written = UpdateOne(call, coll, *collection, statements[index], changes);
    if (!written) {
      AppendWriteError(write_errors.get(), error_count, static_cast<int64_t>(index),
                       written.error().code, written.error().message);
      if (ordered.value_or(true)) break;
      continue;
    }
    matched += written->matched;
    modified += written->modified;
    if (written->upserted) {
      const std::string key = std::to_string(upserted_count++);
      bson_t entry;
      bson_append_document_begin(upserted.get(), key.c_str(), -1, &entry);
      BSON_APPEND_INT32(&entry, "index", static_cast<int32_t>(index));
      AppendIdValue(&entry, "_id", *written->upserted);
      bson_append_document_end(upserted.get(), &entry);
    }
  }
  common::BsonPtr reply = common::NewBson();
  BSON_APPEND_INT32(reply.get(), "n", static_cast<int32_t>(matched + upserted_count));
  BSON_APPEND_INT32(reply.get(), "nModified", static_cast<int32_t>(modified));
  if (upserted_count > 0) BSON_APPEND_ARRAY(reply.get(), "upserted", upserted.get());
  if (error_count > 0) BSON_APPEND_ARRAY(reply.get(), "writeErrors", write_errors.get());
  if (auto failed = CommitChanges(call, coll, *collection, changes, rw_key, *reply)) {
    return std::unexpected(*failed);
  }
  return Outcome::Reply(std::move(reply));
}

// One statement: every matching document (the first only without multi)
// is updated in place; with upsert and no match, one is inserted.
std::expected<EngineCore::UpdateCounts, CommandError> EngineCore::UpdateOne(
    const Call& call, const std::string& coll, Collection& collection,
    const UpdateStatement& statement, std::vector<DocumentChange>& changes) {
  // The update document is checked per statement, as mongod does: its
  // errors are write errors of that statement.
  bson_iter_t u;
  FindField(*statement.spec, "u", &u);
  auto update = UpdateSpec::Parse(u);
  if (!update) return std::unexpected(update.error());
  bson_iter_t unsupported;
  if (FindField(*statement.spec, "arrayFilters", &unsupported)) {
    return std::unexpected(BadValue("arrayFilters are not supported by devmongod"));
  }
  if (update->replacement() && statement.multi) {
    return std::unexpected(
        FailedToParse("multi update is not supported for replacement-style update"));
  }
  auto matcher = query::Matcher::Compile(*statement.filter);
  if (!matcher) return std::unexpected(FromQueryError(matcher.error()));
  if (auto bad_hint = CheckHint(*statement.spec, &collection)) return std::unexpected(*bad_hint);
  std::vector<Collection::RecordId> targets;
  collection.ForEachCandidate(*statement.filter, [&](Collection::RecordId id, const bson_t& doc) {
    if (!matcher->Matches(doc)) return true;
    targets.push_back(id);
    return statement.multi;
  });
  UpdateCounts counts;
  if (targets.empty() && statement.upsert) {
    common::BsonPtr seed = UpsertSeed(*statement.filter);
    auto outcome = update->Apply(*seed, call.ctx.now_wall_ms, true);
    if (!outcome) return std::unexpected(outcome.error());
    auto inserted = InsertChange(call, coll, collection, WithId(*outcome->doc), changes);
    if (!inserted) return std::unexpected(inserted.error());
    counts.upserted = common::CopyBson(*changes.back().after);
    return counts;
  }
  for (Collection::RecordId id : targets) {
    ++counts.matched;
    auto changed = ChangeInPlace(call, coll, collection, id, *update, changes);
    if (!changed) return std::unexpected(changed.error());
    if (*changed) ++counts.modified;
  }
  return counts;
}

std::expected<void, CommandError> EngineCore::InsertChange(const Call& call,
                                                           const std::string& coll,
                                                           Collection& collection,
                                                           common::BsonPtr doc,
                                                           std::vector<DocumentChange>& changes) {
  common::BsonPtr copy = common::CopyBson(*doc);
  auto added = collection.Insert(std::move(doc));
  if (!added) {
    return std::unexpected(
        MakeError(11000, "DuplicateKey", DuplicateKeyMessage(call.db + "." + coll, added.error())));
  }
  DocumentChange change;
  change.kind = ChangeEvent::Kind::kInsert;
  change.record = *added;
  change.after = std::move(copy);
  change.stamp = NextChangeStamp(call, changes);
  changes.push_back(std::move(change));
  return {};
}

// Applies `update` to one record; false when the document stayed the same.
std::expected<bool, CommandError> EngineCore::ChangeInPlace(
    const Call& call, const std::string& coll, Collection& collection, Collection::RecordId id,
    const UpdateSpec& update, std::vector<DocumentChange>& changes) {
  const bson_t& current = *collection.documents().at(id);
  auto outcome = update.Apply(current, call.ctx.now_wall_ms, false);
  if (!outcome) return std::unexpected(outcome.error());
  if (!outcome->modified) return false;
  DocumentChange change;
  change.kind = update.replacement() ? ChangeEvent::Kind::kReplace : ChangeEvent::Kind::kUpdate;
  change.record = id;
  change.before = common::CopyBson(current);
  change.after = common::CopyBson(*outcome->doc);
  change.updated_fields = std::move(outcome->updated_fields);
  change.removed_fields = RemovedFieldsArray(outcome->removed_fields);
  if (auto replaced = collection.Replace(id, std::move(outcome->doc)); !replaced) {
    return std::unexpected(MakeError(11000, "DuplicateKey",
                                     DuplicateKeyMessage(call.db + "." + coll, replaced.error())));
  }
  change.stamp = NextChangeStamp(call, changes);
  changes.push_back(std::move(change));
  return true;
}

EventStamp EngineCore::NextChangeStamp(const Call& call,
                                       const std::vector<DocumentChange>& changes) {
  const uint64_t seq = changes.empty() ? history_.last_seq() + 1 : changes.back().stamp.seq + 1;
  return EventStamp{seq, clock_.Next(call.ctx.now_wall_ms), call.ctx.now_wall_ms};
}

EngineCore::Result EngineCore::CmdFindAndModify(const Call& call) {
  auto request = ReadFindAndModify(call);
  if (!request) return std::unexpected(request.error());
  std::optional<RetryableWriteKey> rw_key;
  if (std::optional<Result> answered = BeginWrite(call, &rw_key)) return std::move(*answered);
  ++opcounters_.command;
  Collection* collection = FindCollection(call.db, request->coll);
  if (collection == nullptr) {
    if (!request->upsert)
      return FindAndModifyReply(call, *request, nullptr, false, nullptr, rw_key);
    common::BsonPtr create = NewJournalEntry("create", call.db, request->coll);
    if (auto failed = Journal(*create, call.ctx)) return std::unexpected(*failed);
    collection = &CreateCollection(call.db, request->coll);
  }
  // The first match in the requested order.
  std::optional<Collection::RecordId> target;
  collection->ForEachCandidate(*request->filter, [&](Collection::RecordId id, const bson_t& doc) {
    if (!request->matcher->Matches(doc)) return true;
    if (!target || request->sort->Less(doc, *collection->documents().at(*target))) target = id;
    return !request->sort->empty();
  });
  std::vector<DocumentChange> changes;
  if (!target && request->upsert) {
    common::BsonPtr seed = UpsertSeed(*request->filter);
    auto outcome = request->update->Apply(*seed, call.ctx.now_wall_ms, true);
    if (!outcome) return std::unexpected(outcome.error());
    auto inserted = InsertChange(call, request->coll, *collection, WithId(*outcome->doc), changes);
    if (!inserted) return std::unexpected(inserted.error());
    return FindAndModifyReply(call, *request, nullptr, false, &changes, rw_key, collection);
  }
  if (!target)
    return FindAndModifyReply(call, *request, nullptr, false, &changes, rw_key, collection);
  common::BsonPtr before = common::CopyBson(*collection->documents().at(*target));
  if (request->remove) {
    DocumentChange change;
    change.kind = ChangeEvent::Kind::kDelete;
    change.record = *target;
    change.before = collection->Take(*target);
    change.stamp = NextChangeStamp(call, changes);
    changes.push_back(std::move(change));
  } else {
    auto changed =
        ChangeInPlace(call, request->coll, *collection, *target, *request->update, changes);
    if (!changed) return std::unexpected(changed.error());
  }
  return FindAndModifyReply(call, *request, before.get(), true, &changes, rw_key, collection);
}

std::expected<EngineCore::FindAndModifyRequest, CommandError> EngineCore::ReadFindAndModify(
    const Call& call) {
  FindAndModifyRequest request;
  auto coll = ReadCollectionName(call.command, call.name.c_str());
  if (!coll) return std::unexpected(coll.error());
  request.coll = *coll;
  auto filter = ReadOptionalDocument(call.command, "query");
  auto sort = ReadOptionalDocument(call.command, "sort");
  auto fields = ReadOptionalDocument(call.command, "fields");
  auto remove = ReadOptionalBool(call.command, "remove");
  auto return_new = ReadOptionalBool(call.command, "new");
  auto upsert = ReadOptionalBool(call.command, "upsert");
  for (const auto* failed : {&filter, &sort, &fields}) {
    if (!*failed) return std::unexpected(failed->error());
  }
  for (const auto* failed : {&remove, &return_new, &upsert}) {
    if (!*failed) return std::unexpected(failed->error());
  }
  request.remove = remove->value_or(false);
  request.return_new = return_new->value_or(false);
  request.upsert = upsert->value_or(false);
  bson_iter_t update;
  const bool has_update = FindField(call.command, "update", &update);
  if (request.remove == has_update) {
    return std::unexpected(
        FailedToParse(request.remove ? "Cannot specify both an update and remove=true"
                                     : "Either an update or remove=true must be specified"));
  }
  if (request.remove && (request.upsert || request.return_new)) {
    return std::unexpected(
        FailedToParse("Cannot specify both upsert=true or new=true and remove=true"));
  }
  if (has_update) {
    auto spec = UpdateSpec::Parse(update);
    if (!spec) return std::unexpected(spec.error());
    request.update = std::move(*spec);
  }
  common::BsonPtr empty = common::NewBson();
  request.filter = *filter ? std::move(*filter) : common::NewBson();
  auto matcher = query::Matcher::Compile(*request.filter);
  if (!matcher) return std::unexpected(FromQueryError(matcher.error()));
  request.matcher = std::move(*matcher);
  auto sort_spec = query::SortSpec::Compile(*sort ? **sort : *empty);
  if (!sort_spec) return std::unexpected(FromQueryError(sort_spec.error()));
  request.sort = std::move(*sort_spec);
  auto projection = query::Projection::Compile(*fields ? **fields : *empty);
  if (!projection) return std::unexpected(FromQueryError(projection.error()));
  request.projection = std::move(*projection);
  return request;
}

EngineCore::Result EngineCore::FindAndModifyReply(const Call& call,
                                                  const FindAndModifyRequest& request,
                                                  const bson_t* before, bool found,
                                                  std::vector<DocumentChange>* changes,
                                                  const std::optional<RetryableWriteKey>& rw_key,
                                                  Collection* collection) {
  const DocumentChange* change = changes && !changes->empty() ? &changes->back() : nullptr;
  const bool upserted = change && change->kind == ChangeEvent::Kind::kInsert;
  // new: the document as it is now (inserted, updated, or unchanged);
  // otherwise as it was (nothing for an upsert's insert).
  const bson_t* value = found ? before : nullptr;
  if (request.return_new && change && change->after) value = change->after.get();
  common::BsonPtr reply = common::NewBson();
  bson_t last_error;
  BSON_APPEND_DOCUMENT_BEGIN(reply.get(), "lastErrorObject", &last_error);
  BSON_APPEND_INT32(&last_error, "n", found || upserted ? 1 : 0);
  if (!request.remove) BSON_APPEND_BOOL(&last_error, "updatedExisting", found);
  if (upserted) AppendIdValue(&last_error, "upserted", *change->after);
  bson_append_document_end(reply.get(), &last_error);
  if (value != nullptr) {
    common::BsonPtr shown =
        request.projection->empty() ? common::CopyBson(*value) : request.projection->Apply(*value);
    BSON_APPEND_DOCUMENT(reply.get(), "value", shown.get());
  } else {
    BSON_APPEND_NULL(reply.get(), "value");
  }
  if (collection != nullptr && changes != nullptr) {
    if (auto failed = CommitChanges(call, request.coll, *collection, *changes, rw_key, *reply)) {
      return std::unexpected(*failed);
    }
  } else if (rw_key) {
    retryable_writes_.Remember(rw_key->session, rw_key->txn_number, common::CopyBson(*reply));
  }
  return Outcome::Reply(std::move(reply));
}

}  // namespace devmongod
