// Durability: the dbpath lock, appending journal records, the fsync policy
// and rebuilding the engine from the journal at open.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "devmongod/engine/bson_fields.h"
#include "devmongod/engine/engine_core.h"
#include "devmongod/engine/journal_entries.h"
#include "devmongod/engine/log.h"

namespace devmongod {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string StringField(const bson_t& doc, const char* field) {
  bson_iter_t iter;
  if (!FindField(doc, field, &iter) || !BSON_ITER_HOLDS_UTF8(&iter)) return {};
  return bson_iter_utf8(&iter, nullptr);
}

}  // namespace

std::expected<void, std::string> EngineCore::OpenStorage() {
  const std::string& dir = options_.dbpath;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return std::unexpected(Errno("cannot create dbpath " + dir));
  }
  const std::string lock_path = dir + "/devmongod.lock";
  common::UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock.valid()) return std::unexpected(Errno("cannot open " + lock_path));
  // flock locks belong to the open file description, so this also refuses a
  // second engine inside the same process.
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return std::unexpected("dbpath " + dir + " is in use by another devmongod");
    }
    return std::unexpected(Errno("cannot lock " + lock_path));
  }

  const std::string journal_path = dir + "/journal.bin";
  auto stats = journal::Replay(journal_path,
                               [this](const bson_t& entry) { return ApplyJournalEntry(entry); });
  if (!stats) return std::unexpected("journal replay failed: " + stats.error());
  if (stats->dropped_bytes > 0) {
    LogLine(LogLevel::kWarn, "journal torn tail dropped",
            "bytes=" + std::to_string(stats->dropped_bytes) + " reason=\"" + stats->dropped_reason +
                "\"");
  }
  LogLine(LogLevel::kInfo, "journal replayed",
          "records=" + std::to_string(stats->records) + " bytes=" +
              std::to_string(stats->valid_bytes) + " events=" + std::to_string(history_.size()) +
              " last_seq=" + std::to_string(history_.last_seq()));

  const uint64_t live_bytes = EstimateLiveBytes();
  if (stats->valid_bytes >= options_.compact_min_bytes && stats->valid_bytes > 2 * live_bytes) {
    auto compacted = CompactJournal(journal_path);
    if (compacted) {
      LogLine(
          LogLevel::kInfo, "journal compacted",
          "before=" + std::to_string(stats->valid_bytes) + " after=" + std::to_string(*compacted));
    } else {
      // Not fatal: the old journal is intact and still describes everything.
      LogLine(LogLevel::kWarn, "journal compaction failed; keeping the journal as it is",
              "error=\"" + compacted.error() + "\"");
    }
  }

  auto writer = journal::Writer::Open(journal_path);
  if (!writer) return std::unexpected("cannot open journal: " + writer.error());
  journal_.emplace(std::move(*writer));
  lock_fd_ = std::move(lock);
  return {};
}

std::optional<CommandError> EngineCore::CheckWritable() const {
  if (journal_error_)
    return InternalError("journal unavailable, writes refused: " + *journal_error_);
  return std::nullopt;
}

std::optional<CommandError> EngineCore::Journal(const bson_t& entry, const ExecContext& ctx) {
  if (!journal_) return std::nullopt;
  if (auto refused = CheckWritable()) return refused;
  const bool was_synced = !journal_->has_unsynced_writes();
  if (auto appended = journal_->Append(entry); !appended) {
    // Sticky: memory now holds a write the journal lacks, so acknowledging
    // anything more would promise durability we cannot give.
    journal_error_ = appended.error();
    LogLine(LogLevel::kError, "journal write failed; refusing writes",
            "error=\"" + appended.error() + "\"");
    return InternalError("journal write failed: " + appended.error());
  }
  if (was_synced) first_unsynced_mono_ms_ = ctx.now_mono_ms;
  return std::nullopt;
}

void EngineCore::BeforeReplies() {
  if (!journal_ || options_.fsync != EngineOptions::Fsync::kAlways) return;
  if (!journal_->has_unsynced_writes()) return;
  // Group commit: one fdatasync covers every write of this loop iteration.
  if (auto synced = journal_->Sync(); !synced) {
    journal_error_ = synced.error();
    LogLine(LogLevel::kError, "journal sync failed; refusing writes",
            "error=\"" + synced.error() + "\"");
  }
}

// One item of a "change" record: {kind, doc | id, updated?, removed?, stamp}.
std::string EngineCore::ReplayChange(const std::string& db, const std::string& coll,
                                     const bson_t& item) {
  DocumentChange change;
  if (!ReadStamp(item, &change.stamp)) return "journal change item without stamp";
  if (change.stamp.seq != history_.last_seq() + 1) {
    return "journal sequence gap: expected " + std::to_string(history_.last_seq() + 1) + " got " +
           std::to_string(change.stamp.seq);
  }
  const std::string kind = StringField(item, "kind");
  Collection& collection = CreateCollection(db, coll);
  bson_iter_t field;
  if (kind == "delete") {
    if (!FindField(item, "id", &field)) return "journal change delete without id";
    change.kind = ChangeEvent::Kind::kDelete;
    change.before = common::NewBson();
    bson_append_value(change.before.get(), "_id", 3, bson_iter_value(&field));
    Collection::RecordId record;
    if (collection.FindById(*bson_iter_value(&field), &record)) collection.Remove(record);
    RecordChangeEvent(db, coll, change);
    return {};
  }
  if (!FindField(item, "doc", &field) || !BSON_ITER_HOLDS_DOCUMENT(&field)) {
    return "journal change item without doc";
  }
  change.after = CopySubDocument(field);
  bson_iter_t id;
  if (!bson_iter_init_find(&id, change.after.get(), "_id")) return "journal change doc without _id";
  Collection::RecordId record;
  const bool exists = collection.FindById(*bson_iter_value(&id), &record);
  if (kind == "insert") {
    change.kind = ChangeEvent::Kind::kInsert;
    if (exists || !collection.Insert(common::CopyBson(*change.after))) {
      return "journal change insert violates a unique index";
    }
  } else if (kind == "update" || kind == "replace") {
    change.kind = kind == "update" ? ChangeEvent::Kind::kUpdate : ChangeEvent::Kind::kReplace;
    if (!exists || !collection.Replace(record, common::CopyBson(*change.after))) {
      return "journal change " + kind + " of a missing document or against a unique index";
    }
    bson_iter_t updated, removed;
    change.updated_fields =
        FindField(item, "updated", &updated) && BSON_ITER_HOLDS_DOCUMENT(&updated)
            ? CopySubDocument(updated)
            : common::NewBson();
    change.removed_fields = FindField(item, "removed", &removed) && BSON_ITER_HOLDS_ARRAY(&removed)
                                ? CopySubDocument(removed)
                                : common::NewBson();
  } else {
    return "journal change item of unknown kind '" + kind + "'";
  }
  RecordChangeEvent(db, coll, change);
  return {};
}

std::string EngineCore::SequenceGap(const EventStamp& stamp) const {
  if (stamp.seq == history_.last_seq() + 1) return {};
  return "journal sequence gap: expected " + std::to_string(history_.last_seq() + 1) + " got " +
         std::to_string(stamp.seq);
}

std::string EngineCore::ReplayCreate(const std::string& /*op*/, const bson_t& /*entry*/,
                                     const std::string& db, const std::string& coll) {
  CreateCollection(db, coll);
  return {};
}

std::string EngineCore::ReplayBase(const std::string& /*op*/, const bson_t& entry,
                                   const std::string& /*db*/, const std::string& /*coll*/) {
  EventStamp stamp;
  if (!ReadStamp(entry, &stamp)) return "journal base without stamp";
  if (history_.last_seq() != 0) return "journal base record after change events";
  history_.SetBase(stamp.seq, stamp.ts);
  clock_.Observe(stamp.ts);
  return {};
}

std::string EngineCore::ReplayDocs(const std::string& /*op*/, const bson_t& entry,
                                   const std::string& db, const std::string& coll) {
  bson_iter_t docs;
  if (!FindField(entry, "docs", &docs) || !BSON_ITER_HOLDS_ARRAY(&docs)) {
    return "journal docs without docs";
  }
  Collection& collection = CreateCollection(db, coll);
  bson_iter_t item;
  if (!bson_iter_recurse(&docs, &item)) return "journal docs array is damaged";
  while (bson_iter_next(&item)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&item)) return "journal docs item is not a document";
    if (!collection.Insert(CopySubDocument(item))) return "journal docs violate a unique index";
  }
  return {};
}

std::string EngineCore::ReplayEvent(const std::string& /*op*/, const bson_t& entry,
                                    const std::string& db, const std::string& coll) {
  EventStamp stamp;
  if (!ReadStamp(entry, &stamp)) return "journal event without stamp";
  if (std::string gap = SequenceGap(stamp); !gap.empty()) return gap;
  bson_iter_t kind, doc;
  if (!FindField(entry, "kind", &kind) || !BSON_ITER_HOLDS_INT32(&kind) ||
      bson_iter_int32(&kind) < 0 ||
      bson_iter_int32(&kind) > static_cast<int32_t>(ChangeEvent::Kind::kRename)) {
    return "journal event without a valid kind";
  }
  if (!FindField(entry, "doc", &doc) || !BSON_ITER_HOLDS_DOCUMENT(&doc)) {
    return "journal event without doc";
  }
  AppendEvent(ChangeEvent{stamp.seq, stamp.ts, stamp.wall_ms,
                          static_cast<ChangeEvent::Kind>(bson_iter_int32(&kind)), db, coll,
                          CopySubDocument(doc)});
  return {};
}

std::string EngineCore::ReplayWrites(const std::string& op, const bson_t& entry,
                                     const std::string& db, const std::string& coll) {
  bson_iter_t docs;
  if (!FindField(entry, "docs", &docs) || !BSON_ITER_HOLDS_ARRAY(&docs)) {
    return "journal " + op + " without docs";
  }
  common::BsonPtr list = CopySubDocument(docs);
  bson_iter_t item;
  bson_iter_init(&item, list.get());
  while (bson_iter_next(&item)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&item)) return "journal " + op + " item is not a document";
    common::BsonPtr record = CopySubDocument(item);
    EventStamp stamp;
    if (!ReadStamp(*record, &stamp)) return "journal " + op + " item without stamp";
    if (std::string gap = SequenceGap(stamp); !gap.empty()) return gap;
    if (op == "insert") {
      bson_iter_t doc;
      if (!FindField(*record, "doc", &doc) || !BSON_ITER_HOLDS_DOCUMENT(&doc)) {
        return "journal insert item without doc";
      }
      common::BsonPtr document = CopySubDocument(doc);
      common::BsonPtr for_event = common::CopyBson(*document);
      if (!CreateCollection(db, coll).Insert(std::move(document))) {
        return "journal insert violates a unique index";
      }
      RecordInsertEvent(db, coll, *for_event, stamp);
    } else {
      bson_iter_t id;
      if (!FindField(*record, "id", &id)) return "journal delete item without id";
      if (Collection* collection = FindCollection(db, coll)) {
        Collection::RecordId record_id;
        if (collection->FindById(*bson_iter_value(&id), &record_id)) {
          collection->Remove(record_id);
        }
      }
      RecordDeleteEvent(db, coll, *bson_iter_value(&id), stamp);
    }
  }
  return {};
}

std::string EngineCore::ReplayChangeRecord(const std::string& /*op*/, const bson_t& entry,
                                           const std::string& db, const std::string& coll) {
  bson_iter_t docs;
  if (!FindField(entry, "docs", &docs) || !BSON_ITER_HOLDS_ARRAY(&docs)) {
    return "journal change without docs";
  }
  common::BsonPtr list = CopySubDocument(docs);
  bson_iter_t item;
  bson_iter_init(&item, list.get());
  while (bson_iter_next(&item)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&item)) return "journal change item is not a document";
    if (std::string failed = ReplayChange(db, coll, *CopySubDocument(item)); !failed.empty()) {
      return failed;
    }
  }
  return {};
}

std::string EngineCore::ReplayDrop(const std::string& /*op*/, const bson_t& entry,
                                   const std::string& db, const std::string& coll) {
  EventStamp stamp;
  if (!ReadStamp(entry, &stamp)) return "journal drop without stamp";
  if (std::string gap = SequenceGap(stamp); !gap.empty()) return gap;
  DropCollection(db, coll, stamp);
  return {};
}

std::string EngineCore::ReplayDropIndexes(const std::string& /*op*/, const bson_t& entry,
                                          const std::string& db, const std::string& coll) {
  bson_iter_t names, name;
  if (!FindField(entry, "names", &names) || !BSON_ITER_HOLDS_ARRAY(&names) ||
      !bson_iter_recurse(&names, &name)) {
    return "journal dropIndexes without names";
  }
  Collection* collection = FindCollection(db, coll);
  while (collection != nullptr && bson_iter_next(&name)) {
    if (BSON_ITER_HOLDS_UTF8(&name)) collection->DropIndex(bson_iter_utf8(&name, nullptr));
  }
  return {};
}

std::string EngineCore::ReplayCreateIndexes(const std::string& /*op*/, const bson_t& entry,
                                            const std::string& db, const std::string& coll) {
  bson_iter_t indexes;
  if (!FindField(entry, "indexes", &indexes) || !BSON_ITER_HOLDS_ARRAY(&indexes)) {
    return "journal createIndexes without indexes";
  }
  Collection& collection = CreateCollection(db, coll);
  common::BsonPtr list = CopySubDocument(indexes);
  bson_iter_t item;
  bson_iter_init(&item, list.get());
  while (bson_iter_next(&item)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&item)) return "journal index is not a document";
    common::BsonPtr index = CopySubDocument(item);
    bson_iter_t key, unique;
    if (!FindField(*index, "key", &key) || !BSON_ITER_HOLDS_DOCUMENT(&key)) {
      return "journal index without key";
    }
    bool is_unique = FindField(*index, "unique", &unique) && bson_iter_as_bool(&unique);
    auto added = collection.AddIndex(StringField(*index, "name"), *CopySubDocument(key), is_unique,
                                     db + "." + coll);
    if (!added) return "journal index cannot be rebuilt: " + added.error().message;
  }
  return {};
}

std::string EngineCore::ReplayDropDatabase(const std::string& /*op*/, const bson_t& entry,
                                           const std::string& db, const std::string& /*coll*/) {
  EventStamp stamp;
  if (!ReadStamp(entry, &stamp)) return "journal dropDatabase without stamp";
  if (std::string gap = SequenceGap(stamp); !gap.empty()) return gap;
  RecordDropDatabaseEvent(db, stamp);
  return {};
}

std::string EngineCore::ReplayRename(const std::string& /*op*/, const bson_t& entry,
                                     const std::string& db, const std::string& coll) {
  EventStamp stamp;
  if (!ReadStamp(entry, &stamp)) return "journal rename without stamp";
  if (std::string gap = SequenceGap(stamp); !gap.empty()) return gap;
  const std::string to = StringField(entry, "to");
  if (to.empty() || FindCollection(db, coll) == nullptr) return "journal rename is invalid";
  RenameCollection(db, coll, to, stamp);
  return {};
}

// Rebuilds the retryable-write table entry a record carries ({rw: ...}).
void EngineCore::ReplayRetryableWrite(const bson_t& entry) {
  bson_iter_t rw;
  if (FindField(entry, "rw", &rw) && BSON_ITER_HOLDS_DOCUMENT(&rw)) {
    common::BsonPtr rw_doc = CopySubDocument(rw);
    bson_iter_t session, txn, reply;
    if (FindField(*rw_doc, "session", &session) && BSON_ITER_HOLDS_BINARY(&session) &&
        FindField(*rw_doc, "txn", &txn) && BSON_ITER_HOLDS_INT64(&txn) &&
        FindField(*rw_doc, "reply", &reply) && BSON_ITER_HOLDS_DOCUMENT(&reply)) {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_subtype_t subtype;
      bson_iter_binary(&session, &subtype, &len, &data);
      retryable_writes_.Remember(std::string(reinterpret_cast<const char*>(data), len),
                                 bson_iter_int64(&txn), CopySubDocument(reply));
    }
  }
}

std::string EngineCore::ApplyJournalEntry(const bson_t& entry) {
  using Replay = std::string (EngineCore::*)(const std::string&, const bson_t&, const std::string&,
                                             const std::string&);
  static const std::unordered_map<std::string, Replay> kReplays = {
      {"create", &EngineCore::ReplayCreate},
      {"base", &EngineCore::ReplayBase},
      {"docs", &EngineCore::ReplayDocs},
      {"event", &EngineCore::ReplayEvent},
      {"insert", &EngineCore::ReplayWrites},
      {"delete", &EngineCore::ReplayWrites},
      {"change", &EngineCore::ReplayChangeRecord},
      {"drop", &EngineCore::ReplayDrop},
      {"dropDatabase", &EngineCore::ReplayDropDatabase},
      {"rename", &EngineCore::ReplayRename},
      {"dropIndexes", &EngineCore::ReplayDropIndexes},
      {"createIndexes", &EngineCore::ReplayCreateIndexes},
  };
  const std::string op = StringField(entry, "op");
  const std::string db = StringField(entry, "db");
  const std::string coll = StringField(entry, "coll");
  if (op.empty()) return "journal record without op";
  if (op != "base" && op != "rw" && (db.empty() || coll.empty())) {
    return "journal " + op + " record without db/coll";
  }
  if (op != "rw") {  // an "rw" record is only its retryable-write part
    auto replay = kReplays.find(op);
    if (replay == kReplays.end()) return "unknown journal op '" + op + "'";
    if (std::string failed = (this->*replay->second)(op, entry, db, coll); !failed.empty()) {
      return failed;
    }
  }
  ReplayRetryableWrite(entry);
  return {};
}

}  // namespace devmongod
