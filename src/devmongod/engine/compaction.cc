// Journal compaction at open: when the journal is much larger than what it
// describes (deleted documents, dropped collections, events long evicted from
// the history), it is rewritten as the current state:
//   {op:"base", seq, ts}                  where the kept history starts
//   {op:"create"} / {op:"createIndexes"}  per collection
//   {op:"docs", db, coll, docs:[...]}     documents, without change events
//   {op:"event", kind, db, coll, doc, seq, ts, wall}  the kept history
//   {op:"rw", rw:{...}}                   the retryable-write table
// The rewrite goes to a temporary file that replaces the journal by rename,
// so a crash at any point leaves either the old or the new journal whole.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>

#include "devmongod/engine/engine_core.h"
#include "devmongod/engine/journal_entries.h"

namespace devmongod {
namespace {

constexpr uint32_t kDocsPerRecordBytes = 8 * 1024 * 1024;

using AppendEntry = std::function<void(const bson_t&)>;

// One collection as records: create, its secondary indexes, its documents in
// records of at most about kDocsPerRecordBytes.
void AppendCollection(const std::string& db, const std::string& name, const Collection& collection,
                      const AppendEntry& append) {
  append(*NewJournalEntry("create", db, name));
  common::BsonPtr indexes = common::NewBson();
  uint32_t index_count = 0;
  for (const Index& index : collection.indexes()) {
    if (index.name == "_id_") continue;
    AppendIndexSpec(indexes.get(), index_count++, index.name, *index.key, index.unique);
  }
  if (index_count > 0) {
    common::BsonPtr entry = NewJournalEntry("createIndexes", db, name);
    BSON_APPEND_ARRAY(entry.get(), "indexes", indexes.get());
    append(*entry);
  }
  common::BsonPtr docs = common::NewBson();
  uint32_t doc_count = 0;
  auto flush = [&]() {
    if (doc_count == 0) return;
    common::BsonPtr entry = NewJournalEntry("docs", db, name);
    BSON_APPEND_ARRAY(entry.get(), "docs", docs.get());
    append(*entry);
    docs = common::NewBson();
    doc_count = 0;
  };
  for (const auto& [id, doc] : collection.documents()) {
    std::string key = std::to_string(doc_count++);
    BSON_APPEND_DOCUMENT(docs.get(), key.c_str(), doc.get());
    if (docs->len > kDocsPerRecordBytes) flush();
  }
  flush();
}

// Puts the finished `temp` in place of `path`, durably (the rename too).
std::optional<std::string> ReplaceByRename(const std::string& temp, const std::string& path,
                                           const std::string& dir) {
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(temp.c_str());
    return "rename: " + why;
  }
  common::UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.valid()) ::fsync(dir_fd.get());
  return std::nullopt;
}

}  // namespace

uint64_t EngineCore::EstimateLiveBytes() const {
  uint64_t bytes = 0;
  for (const auto& [db, collections] : databases_) {
    for (const auto& [name, collection] : collections) {
      bytes += 256;
      for (const auto& [id, doc] : collection.documents()) bytes += doc->len + 16;
    }
  }
  for (const ChangeEvent& event : history_.events()) bytes += event.doc->len + 96;
  retryable_writes_.ForEachOldestFirst(
      [&](const std::string& session, int64_t, const bson_t& reply) {
        bytes += session.size() + reply.len + 64;
      });
  return bytes;
}

std::expected<uint64_t, std::string> EngineCore::CompactJournal(const std::string& path) {
  const std::string temp = path + ".compact";
  ::unlink(temp.c_str());  // a leftover of a compaction that crashed
  auto writer = journal::Writer::Open(temp);
  if (!writer) return std::unexpected(writer.error());
  std::string failure;
  AppendEntry append = [&](const bson_t& entry) {
    if (!failure.empty()) return;
    if (auto appended = writer->Append(entry); !appended) failure = appended.error();
  };

  common::BsonPtr base = NewJournalEntry("base", "", "");
  AppendStamp(base.get(), EventStamp{history_.evicted_seq(), history_.evicted_ts(), 0});
  append(*base);

  for (const auto& [db, collections] : databases_) {
    for (const auto& [name, collection] : collections)
      AppendCollection(db, name, collection, append);
  }

  for (const ChangeEvent& event : history_.events()) {
    common::BsonPtr entry = NewJournalEntry("event", event.db, event.coll);
    BSON_APPEND_INT32(entry.get(), "kind", static_cast<int32_t>(event.kind));
    BSON_APPEND_DOCUMENT(entry.get(), "doc", event.doc.get());
    AppendStamp(entry.get(), EventStamp{event.seq, event.ts, event.wall_ms});
    append(*entry);
  }

  retryable_writes_.ForEachOldestFirst(
      [&](const std::string& session, int64_t txn_number, const bson_t& reply) {
        common::BsonPtr entry = NewJournalEntry("rw", "", "");
        AppendRetryableWrite(entry.get(), RetryableWriteKey{session, txn_number}, reply);
        append(*entry);
      });

  if (failure.empty()) {
    if (auto synced = writer->Sync(); !synced) failure = synced.error();
  }
  if (!failure.empty()) {
    ::unlink(temp.c_str());
    return std::unexpected(failure);
  }
  const uint64_t size = writer->size();
  if (auto failed = ReplaceByRename(temp, path, options_.dbpath)) return std::unexpected(*failed);
  return size;
}

}  // namespace devmongod
