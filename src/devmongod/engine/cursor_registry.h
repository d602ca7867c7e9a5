// Open cursors: find/aggregate result cursors and change-stream cursors.
//
// As in mongod a cursor is not tied to the connection that opened it: it
// lives until exhausted, killed, or idle longer than the cursor timeout. A
// cursor whose getMore is parked waiting for change events is "pinned" by
// that connection and is not idle; closing the connection unpins it.
// Per-cursor state is kept small (2,000 parked change streams are normal):
// a change stream is a position in the history plus its compiled stages.
// Thread-safety: single-threaded, owned by the engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/bson_ptr.h"
#include "devmongod/engine/cluster_clock.h"
#include "devmongod/engine/resume_token.h"
#include "devmongod/query/document_stage.h"
#include "devmongod/query/query.h"

namespace devmongod {

// Results computed up front, returned in batches.
struct ResultCursorState {
  std::vector<common::BsonPtr> docs;
  size_t next = 0;
};

// Which events a change stream sees.
struct StreamScope {
  std::string db;    // "" = every database (allChangesForCluster)
  std::string coll;  // "" = every collection of `db`
};

// $changeStream's fullDocument for update events: none (default), the
// document as it is when the event is read (updateLookup), or a stored
// post-image (whenAvailable, required), which devmongod never has.
enum class FullDocumentMode { kDefault, kUpdateLookup, kWhenAvailable, kRequired };

struct ChangeStreamState {
  StreamScope scope;
  uint64_t position = 0;  // every event with seq <= position has been examined
  // The stages after $changeStream ($match, $project, ...); none: every
  // event as it is.
  std::optional<query::DocumentPipeline> pipeline;
  // Resumed right after its collection's drop event: the next read returns
  // the invalidate that followed it.
  bool invalidate_pending = false;
  // startAtOperationTime or a high-water-mark token in the future: events
  // before it are skipped.
  Timestamp start_at;
  // The postBatchResumeToken so far: the token the stream started from, then
  // the last event returned or, once later events were examined and not
  // returned, a high-water mark past them. It only moves forward.
  ResumeToken resume_token;
  FullDocumentMode full_document = FullDocumentMode::kDefault;
};

struct Cursor {
  int64_t id = 0;
  std::string ns;  // "db.coll", or "db.$cmd.aggregate" for database streams
  int64_t last_used_mono_ms = 0;
  uint64_t pinned_by = 0;  // connection id with a parked getMore, 0 if none
  // When the parked getMore must answer: fixed by its first run, so re-runs
  // caused by unrelated events do not push it back.
  int64_t wait_deadline_mono_ms = 0;
  std::variant<ResultCursorState, ChangeStreamState> state;
  bool no_timeout = false;  // find's noCursorTimeout: never reaped when idle
};

class CursorRegistry {
 public:
  CursorRegistry() : random_(std::random_device{}()) {}
  CursorRegistry(const CursorRegistry&) = delete;
  CursorRegistry& operator=(const CursorRegistry&) = delete;

  // Registers the cursor under a fresh random positive id and returns it.
  Cursor& Add(Cursor cursor);
  Cursor* Find(int64_t id);
  bool Erase(int64_t id);

  // Removes cursors idle (and unpinned) for longer than `timeout_ms`.
  size_t ReapIdle(int64_t now_mono_ms, int64_t timeout_ms);
  // The connection went away: its parked getMores will never be answered.
  void UnpinConnection(uint64_t connection_id, int64_t now_mono_ms);

  size_t size() const { return cursors_.size(); }
  size_t pinned() const;
  size_t no_timeout() const;
  uint64_t timed_out() const { return timed_out_; }

 private:
  std::unordered_map<int64_t, Cursor> cursors_;
  std::mt19937_64 random_;
  uint64_t timed_out_ = 0;
};

}  // namespace devmongod
