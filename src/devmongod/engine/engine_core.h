// The engine behind OpenEngine(): the catalog (databases -> collections), the
// change history, cursors, fail points, retryable-write table and storage.
// Its member functions are split by job over several files:
//   engine.cc             Execute dispatch, fail-point firing, loop hooks
//   commands_admin.cc     hello, ping, buildInfo, serverStatus, endSessions,
//                         listDatabases, configureFailPoint
//   commands_write.cc     insert, delete
//   commands_read.cc      find, getMore, killCursors, count, aggregate
//   commands_catalog.cc   create, drop, dropDatabase, createIndexes,
//                         listIndexes, listCollections
//   commands_distinct.cc  distinct
//   commands_indexes.cc   dropIndexes
//   commands_stats.cc     dbStats, collStats
//   unsupported_options.cc  options mongod honours and devmongod refuses
//   change_stream.cc      $changeStream aggregate and getMore
//   mutations.cc          data changes + their change events (shared by
//                         commands and journal replay)
//   persistence.cc        dbpath lock, journal writes, replay, fsync policy
//   compaction.cc         rewriting an oversized journal at open
// Writes are journaled before anyone can observe them: change events are
// recorded (and ChangeVersion moves) only once the journal has the write.
// Thread-safety: single-threaded (the event loop's thread).
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/bson_ptr.h"
#include "common/unique_fd.h"
#include "devmongod/engine/change_history.h"
#include "devmongod/engine/cluster_clock.h"
#include "devmongod/engine/collection.h"
#include "devmongod/engine/command_error.h"
#include "devmongod/engine/cursor_registry.h"
#include "devmongod/engine/engine.h"
#include "devmongod/engine/fail_point.h"
#include "devmongod/engine/journal_entries.h"
#include "devmongod/engine/retryable_writes.h"
#include "devmongod/engine/update_spec.h"
#include "devmongod/journal/journal.h"
#include "devmongod/query/query.h"

namespace devmongod {

class EngineCore final : public CommandHandler {
 public:
  EngineCore(const EngineOptions& options, int64_t now_wall_ms);
  EngineCore(const EngineCore&) = delete;
  EngineCore& operator=(const EngineCore&) = delete;

  // Locks the dbpath, replays its journal and opens it for appending.
  std::expected<void, std::string> OpenStorage();

  Outcome Execute(const wire::Request& request, const ExecContext& ctx) override;
  uint64_t ChangeVersion() const override { return change_version_; }
  std::vector<uint64_t> TakeInterruptedWaits() override {
    return std::exchange(interrupted_waits_, {});
  }
  void BeforeReplies() override;
  void OnTick(int64_t now_mono_ms) override;
  void OnConnectionOpened(uint64_t connection_id) override;
  void OnConnectionClosed(uint64_t connection_id) override;

 private:
  // One command being executed.
  struct Call {
    const wire::Request& request;
    const bson_t& command;
    const std::string& db;
    const std::string& name;
    const ExecContext& ctx;
    bool rerun;  // the re-run of a command that answered kWait
  };
  // A reply body without the {ok, operationTime, $clusterTime} tail, or
  // another outcome (wait, delay, close).
  using Result = std::expected<Outcome, CommandError>;
  using Handler = Result (EngineCore::*)(const Call&);

  static Handler FindHandler(const std::string& name);
  Result Dispatch(const Call& call);
  Outcome Finish(Result result);
  void AppendWriteConcernError(bson_t* reply, const FailAction& action, bool retryable_write);
  bool IsChangeStreamGetMore(const Call& call);

  // commands_admin.cc
  Result CmdHello(const Call& call);
  Result CmdPing(const Call& call);
  Result CmdBuildInfo(const Call& call);
  Result CmdServerStatus(const Call& call);
  Result CmdEndSessions(const Call& call);
  Result CmdListDatabases(const Call& call);
  Result CmdConfigureFailPoint(const Call& call);
  // commands_write.cc
  std::optional<Result> BeginWrite(const Call& call, std::optional<RetryableWriteKey>* rw_key);
  Result CmdInsert(const Call& call);
  Result CmdDelete(const Call& call);
  // A document an insert or delete has applied in memory but not journaled
  // yet (commands_write.cc).
  struct PendingWrite;
  // Journals `records` (the docs array, plus the retryable-write reply when
  // given) as one `op` record, then records the pending documents' events;
  // on a journal failure the collection is put back instead (`collection`
  // may be null only when nothing is pending). Clears both.
  std::optional<CommandError> JournalPendingWrites(const Call& call, const std::string& coll,
                                                   Collection* collection, const char* op,
                                                   common::BsonPtr& records,
                                                   std::vector<PendingWrite>& pending,
                                                   const std::optional<RetryableWriteKey>& rw_key,
                                                   const bson_t* retryable_reply);
  Result CmdUpdate(const Call& call);
  Result CmdFindAndModify(const Call& call);
  // commands_read.cc
  Result CmdFind(const Call& call);
  void MarkNoTimeout(const bson_t& find_reply);
  Result CmdGetMore(const Call& call);
  Result CmdKillCursors(const Call& call);
  Result CmdCount(const Call& call);
  Result CmdAggregate(const Call& call);
  Result ResultCursorReply(const Call& call, std::vector<common::BsonPtr> docs,
                           const std::string& ns, int64_t batch_size, bool single_batch);
  Result ResultCursorGetMore(const Call& call, Cursor& cursor, int64_t batch_size);
  // commands_catalog.cc
  Result CmdCreate(const Call& call);
  Result CmdDrop(const Call& call);
  Result CmdDropDatabase(const Call& call);
  Result CmdRenameCollection(const Call& call);
  Result CmdCreateIndexes(const Call& call);
  Result CmdListIndexes(const Call& call);
  Result CmdListCollections(const Call& call);
  // commands_distinct.cc, commands_indexes.cc, commands_stats.cc
  Result CmdDistinct(const Call& call);
  Result CmdDropIndexes(const Call& call);
  Result CmdDbStats(const Call& call);
  Result CmdCollStats(const Call& call);
  // change_stream.cc
  Result OpenChangeStream(const Call& call, const bson_t& pipeline, int64_t batch_size);
  Result ChangeStreamGetMore(const Call& call, Cursor& cursor, int64_t batch_size);
  struct StreamBatch;
  std::expected<common::BsonPtr, CommandError> AddFullDocument(FullDocumentMode mode,
                                                               const ChangeEvent& event);
  std::expected<StreamBatch, CommandError> ReadStream(ChangeStreamState& stream,
                                                      int64_t batch_size);

  // mutations.cc
  EventStamp NextStamp(int64_t wall_ms);
  Collection* FindCollection(const std::string& db, const std::string& coll);
  Collection& CreateCollection(const std::string& db, const std::string& coll);
  void RecordInsertEvent(const std::string& db, const std::string& coll, const bson_t& doc,
                         const EventStamp& stamp);
  void RecordDeleteEvent(const std::string& db, const std::string& coll, const bson_value_t& id,
                         const EventStamp& stamp);
  // One document changed by update or findAndModify (commands_update.cc):
  // applied to the collection at once, journaled with the command's other
  // changes, its event recorded once the journal has it (or undone).
  struct DocumentChange {
    ChangeEvent::Kind kind = ChangeEvent::Kind::kUpdate;  // insert, update, replace, delete
    Collection::RecordId record = 0;
    common::BsonPtr before;  // null for an insert
    common::BsonPtr after;   // null for a delete
    common::BsonPtr updated_fields;
    common::BsonPtr removed_fields;  // an array document
    EventStamp stamp;
  };
  void RecordChangeEvent(const std::string& db, const std::string& coll,
                         const DocumentChange& change);
  // Journals `changes` (and the retryable-write reply) as one record, then
  // records their events; on a journal failure the collection is put back.
  std::optional<CommandError> CommitChanges(const Call& call, const std::string& coll,
                                            Collection& collection,
                                            std::vector<DocumentChange>& changes,
                                            const std::optional<RetryableWriteKey>& rw_key,
                                            const bson_t& reply);
  // update and findAndModify (commands_update.cc).
  struct UpdateCounts {
    int64_t matched = 0;
    int64_t modified = 0;
    common::BsonPtr upserted;  // the inserted document
  };
  struct FindAndModifyRequest {
    std::string coll;
    common::BsonPtr filter;
    std::optional<query::Matcher> matcher;
    std::optional<query::SortSpec> sort;
    std::optional<query::Projection> projection;
    std::optional<UpdateSpec> update;
    bool remove = false;
    bool return_new = false;
    bool upsert = false;
  };
  std::expected<UpdateCounts, CommandError> UpdateOne(const Call& call, const std::string& coll,
                                                      Collection& collection,
                                                      const UpdateStatement& statement,
                                                      std::vector<DocumentChange>& changes);
  std::expected<void, CommandError> InsertChange(const Call& call, const std::string& coll,
                                                 Collection& collection, common::BsonPtr doc,
                                                 std::vector<DocumentChange>& changes);
  std::expected<bool, CommandError> ChangeInPlace(const Call& call, const std::string& coll,
                                                  Collection& collection, Collection::RecordId id,
                                                  const UpdateSpec& update,
                                                  std::vector<DocumentChange>& changes);
  EventStamp NextChangeStamp(const Call& call, const std::vector<DocumentChange>& changes);
  std::expected<FindAndModifyRequest, CommandError> ReadFindAndModify(const Call& call);
  Result FindAndModifyReply(const Call& call, const FindAndModifyRequest& request,
                            const bson_t* before, bool found, std::vector<DocumentChange>* changes,
                            const std::optional<RetryableWriteKey>& rw_key,
                            Collection* collection = nullptr);
  // Journal replay (persistence.cc): one function per record op.
  std::string SequenceGap(const EventStamp& stamp) const;
  std::string ReplayBase(const std::string& op, const bson_t& entry, const std::string& db,
                         const std::string& coll);
  std::string ReplayChangeRecord(const std::string& op, const bson_t& entry, const std::string& db,
                                 const std::string& coll);
  std::string ReplayCreate(const std::string& op, const bson_t& entry, const std::string& db,
                           const std::string& coll);
  std::string ReplayCreateIndexes(const std::string& op, const bson_t& entry, const std::string& db,
                                  const std::string& coll);
  std::string ReplayDocs(const std::string& op, const bson_t& entry, const std::string& db,
                         const std::string& coll);
  std::string ReplayDrop(const std::string& op, const bson_t& entry, const std::string& db,
                         const std::string& coll);
  std::string ReplayDropIndexes(const std::string& op, const bson_t& entry, const std::string& db,
                                const std::string& coll);
  std::string ReplayEvent(const std::string& op, const bson_t& entry, const std::string& db,
                          const std::string& coll);
  std::string ReplayWrites(const std::string& op, const bson_t& entry, const std::string& db,
                           const std::string& coll);
  std::string ReplayDropDatabase(const std::string& op, const bson_t& entry, const std::string& db,
                                 const std::string& coll);
  std::string ReplayRename(const std::string& op, const bson_t& entry, const std::string& db,
                           const std::string& coll);
  void ReplayRetryableWrite(const bson_t& entry);
  // Replays one "change" journal item (persistence.cc).
  std::string ReplayChange(const std::string& db, const std::string& coll, const bson_t& item);
  // The "dropDatabase" event that follows its collections' drops.
  void RecordDropDatabaseEvent(const std::string& db, const EventStamp& stamp);
  // Moves collection `from` to `to` (same database) and records "rename".
  void RenameCollection(const std::string& db, const std::string& from, const std::string& to,
                        const EventStamp& stamp);
  // Removes the collection and records its "drop" event.
  void DropCollection(const std::string& db, const std::string& coll, const EventStamp& stamp);
  void AppendEvent(ChangeEvent event);

  // persistence.cc
  // Appends one record; on failure the engine refuses every later write.
  std::optional<CommandError> Journal(const bson_t& entry, const ExecContext& ctx);
  // Writes are refused once the journal has failed.
  std::optional<CommandError> CheckWritable() const;
  std::string ApplyJournalEntry(const bson_t& entry);
  // compaction.cc: rewrites the journal as the current state (documents,
  // indexes, change history, retryable writes); returns the new size.
  uint64_t EstimateLiveBytes() const;
  std::expected<uint64_t, std::string> CompactJournal(const std::string& path);

  // Per-connection facts.
  std::string AppNameOf(uint64_t connection_id) const;

  EngineOptions options_;
  ClusterClock clock_;
  ChangeHistory history_;
  std::map<std::string, std::map<std::string, Collection>> databases_;
  CursorRegistry cursors_;
  FailCommandPoint fail_command_;
  SimpleFailPoint fail_get_more_after_checkout_;
  SimpleFailPoint on_primary_transactional_write_;
  RetryableWrites retryable_writes_;
  uint64_t change_version_ = 0;

  std::unordered_map<uint64_t, std::string> app_names_;
  // The rest of a fail-point action whose block delay is running.
  std::unordered_map<uint64_t, FailAction> pending_fail_actions_;
  // Connections whose last command answered kWait: their next Execute is the
  // re-run of that command, which must not count or fire fail points again.
  std::unordered_set<uint64_t> waiting_connections_;
  // A cursor killed while a getMore was parked on it, by that getMore's
  // connection: the re-run answers CursorKilled instead of CursorNotFound
  // (which drivers would take as a reason to resume the change stream).
  std::unordered_map<uint64_t, int64_t> killed_under_wait_;
  std::vector<uint64_t> interrupted_waits_;

  // Storage (dbpath only).
  common::UniqueFd lock_fd_;
  std::optional<journal::Writer> journal_;
  std::optional<std::string> journal_error_;
  int64_t first_unsynced_mono_ms_ = 0;

  // Statistics.
  int64_t start_wall_ms_;
  int64_t last_mono_ms_ = 0;
  uint64_t connections_current_ = 0;
  uint64_t connections_total_ = 0;
  struct OpCounters {
    int64_t insert = 0, query = 0, update = 0, remove = 0, getmore = 0, command = 0;
  } opcounters_;
  // Change events looked at by stream reads: proves (in tests and in
  // serverStatus) that a re-run only examines events after its position.
  uint64_t change_events_examined_ = 0;
};

}  // namespace devmongod
