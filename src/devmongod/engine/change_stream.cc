// Change streams: the $changeStream aggregate (scope, filter, start point)
// and its getMore (read new events after the cursor's position, or park).
//
// A stream's cursor is just a position in the change history plus its stages,
// so a parked getMore re-run after new events only examines those events.
#include <algorithm>
#include <cstring>
#include <limits>

#include "devmongod/engine/bson_fields.h"
#include "devmongod/engine/change_event_builder.h"
#include "devmongod/engine/change_stream_stages.h"
#include "devmongod/engine/engine_core.h"
#include "devmongod/engine/reply_builder.h"
#include "devmongod/engine/resume_token.h"

namespace devmongod {
namespace {

// mongod's await time for a tailable getMore without maxTimeMS (SERVER-19665).
constexpr int64_t kDefaultAwaitMs = 1000;
// maxTimeMS is an int32 in mongod; larger values wait as long as that.
constexpr int64_t kMaxAwaitMs = INT32_MAX;

CommandError NonResumable(int32_t code, std::string code_name, std::string message) {
  CommandError error = MakeError(code, std::move(code_name), std::move(message));
  error.labels.push_back("NonResumableChangeStreamError");
  return error;
}

CommandError HistoryLost() {
  return NonResumable(286, "ChangeStreamHistoryLost",
                      "Resume of change stream was not possible, as the resume point may no "
                      "longer be in the oplog.");
}

CommandError TokenNotFound() {
  return NonResumable(280, "ChangeStreamFatalError",
                      "cannot resume stream; the resume token was not found.");
}

CommandError AllChangesForClusterMisplaced(const std::string& ns) {
  return MakeError(72, "InvalidOptions",
                   "A $changeStream with 'allChangesForCluster:true' may only be opened on the "
                   "'admin' database, and with no collection name; found " +
                       ns);
}

bool InScope(const ChangeEvent& event, const StreamScope& scope) {
  if (scope.db.empty()) return true;
  if (event.db != scope.db) return false;
  return scope.coll.empty() || event.coll == scope.coll;
}

// The events after which a stream is invalidated: its collection's drop or
// rename for a collection stream, its database's dropDatabase for a database
// stream (callers have checked the event is in the stream's scope).
bool EndsStream(const ChangeEvent& event, const StreamScope& scope) {
  if (scope.db.empty()) return false;
  if (!scope.coll.empty()) {
    return event.kind == ChangeEvent::Kind::kDrop || event.kind == ChangeEvent::Kind::kRename;
  }
  return event.kind == ChangeEvent::Kind::kDropDatabase;
}

struct StreamOptions {
  FullDocumentMode full_document = FullDocumentMode::kDefault;
  std::optional<ResumeToken> resume_after;
  std::optional<ResumeToken> start_after;
  std::optional<Timestamp> start_at_operation_time;
  bool all_changes_for_cluster = false;
};

std::expected<StreamOptions, CommandError> ParseStreamOptions(const bson_iter_t& stage) {
  if (!BSON_ITER_HOLDS_DOCUMENT(&stage)) {
    return std::unexpected(
        FailedToParse("the $changeStream stage specification must be an object"));
  }
  StreamOptions options;
  bson_iter_t field;
  bson_iter_recurse(&stage, &field);
  int resume_options = 0;
  while (bson_iter_next(&field)) {
    const std::string key = bson_iter_key(&field);
    if (key == "fullDocument" || key == "fullDocumentBeforeChange") {
      if (!BSON_ITER_HOLDS_UTF8(&field)) {
        return std::unexpected(TypeMismatch("$changeStream." + key + " must be a string"));
      }
      const std::string value = bson_iter_utf8(&field, nullptr);
      const bool valid = key == "fullDocument"
                             ? (value == "default" || value == "updateLookup" ||
                                value == "whenAvailable" || value == "required")
                             : (value == "off" || value == "whenAvailable" || value == "required");
      if (!valid) {
        return std::unexpected(
            BadValue("unsupported value for $changeStream." + key + ": '" + value + "'"));
      }
      if (key == "fullDocument") {
        options.full_document = value == "updateLookup"    ? FullDocumentMode::kUpdateLookup
                                : value == "whenAvailable" ? FullDocumentMode::kWhenAvailable
                                : value == "required"      ? FullDocumentMode::kRequired
                                                           : FullDocumentMode::kDefault;
      }
    } else if (key == "resumeAfter" || key == "startAfter") {
      auto token = DecodeResumeToken(field, "$changeStream." + key);
      if (!token) return std::unexpected(token.error());
      (key == "resumeAfter" ? options.resume_after : options.start_after) = *token;
      if (options.resume_after && options.start_after) {
        return std::unexpected(MakeError(
            50865, "Location50865",
            "Do not specify both 'resumeAfter' and 'startAfter' in a $changeStream stage"));
      }
      ++resume_options;
    } else if (key == "startAtOperationTime") {
      if (!BSON_ITER_HOLDS_TIMESTAMP(&field)) {
        return std::unexpected(
            TypeMismatch("$changeStream.startAtOperationTime must be a Timestamp"));
      }
      Timestamp ts;
      bson_iter_timestamp(&field, &ts.t, &ts.i);
      options.start_at_operation_time = ts;
      ++resume_options;
    } else if (key == "allChangesForCluster") {
      if (!BSON_ITER_HOLDS_BOOL(&field)) {
        return std::unexpected(
            TypeMismatch("$changeStream.allChangesForCluster must be a boolean"));
      }
      options.all_changes_for_cluster = bson_iter_bool(&field);
    } else if (key == "showExpandedEvents") {
      // Accepted; devmongod has no expanded (DDL) events to show.
    } else {
      return std::unexpected(MakeError(
          40415, "Location40415", "BSON field '$changeStream." + key + "' is an unknown field."));
    }
  }
  if (resume_options > 1) {
    return std::unexpected(
        MakeError(40674, "Location40674",
                  "Only one type of resume option is allowed, but multiple were found."));
  }
  return options;
}

// Where a new stream starts: the position after which it reads, the cluster
// time before which it skips events, and its first postBatchResumeToken.
struct StreamStart {
  uint64_t position = 0;
  Timestamp start_at;
  ResumeToken resume_token;
  // Resumed right after its own collection's drop: the invalidate is next.
  bool invalidate_pending = false;
};

// An event token resumes after its event (which must exist); a high-water
// mark or startAtOperationTime at its cluster time (events at or after it);
// no option starts one tick after the current cluster time, as mongod does,
// with a high-water mark there as the first token, so that resuming from it
// never replays an event (an old drop, say) that came before the stream.
std::expected<StreamStart, CommandError> ResolveStart(const StreamOptions& options,
                                                      const StreamScope& scope,
                                                      const ChangeHistory& history, Timestamp now) {
  StreamStart start;
  start.position = history.last_seq();
  start.resume_token = HighWaterMark(now.NextTick(), start.position);
  const std::optional<ResumeToken>& token =
      options.resume_after ? options.resume_after : options.start_after;
  if (!token && !options.start_at_operation_time) return start;
  if (token && token->invalidate && options.resume_after) {
    return std::unexpected(MakeError(260, "InvalidResumeToken",
                                     "Attempting to resume a change stream using 'resumeAfter' is "
                                     "not allowed from an invalidate notification."));
  }
  if (!token || token->high_water_mark) {
    const Timestamp at = token ? token->ts : *options.start_at_operation_time;
    if (!history.PositionBefore(at, &start.position)) return std::unexpected(HistoryLost());
    start.start_at = at;
    start.resume_token = token ? *token : HighWaterMark(at, start.position);
    return start;
  }
  switch (history.Check(token->seq, token->ts)) {
    case ChangeHistory::PositionCheck::kLost:
      return std::unexpected(HistoryLost());
    case ChangeHistory::PositionCheck::kNotFound:
      return std::unexpected(TokenNotFound());
    case ChangeHistory::PositionCheck::kOk:
      break;
  }
  start.position = token->seq;
  start.resume_token = *token;
  // Resuming right after the drop of the stream's own collection: mongod
  // answers with the invalidate that followed the drop.
  if (!token->invalidate) {
    const ChangeEvent* event = history.At(token->seq);
    start.invalidate_pending =
        event != nullptr && InScope(*event, scope) && EndsStream(*event, scope);
  }
  return start;
}

}  // namespace

struct EngineCore::StreamBatch {
  // Point into the history (valid until the next write) or into `owned`.
  std::vector<const bson_t*> events;
  std::vector<common::BsonPtr> owned;  // events the stream's stages transformed
  common::BsonPtr invalidate;          // the closing invalidate event, if any
  ResumeToken post_batch_resume_token;
};

// updateLookup reads the document as it is now (null once deleted).
// devmongod keeps no post-images (changeStreamPreAndPostImages), so
// whenAvailable gives null and required fails, as mongod does for a
// collection without them.
std::expected<common::BsonPtr, CommandError> EngineCore::AddFullDocument(FullDocumentMode mode,
                                                                         const ChangeEvent& event) {
  if (mode == FullDocumentMode::kRequired) {
    return std::unexpected(
        MakeError(280, "ChangeStreamFatalError",
                  "Change stream was configured to require a post-image for all update, delete and "
                  "replace events, but the post-image was not found"));
  }
  const bson_t* current = nullptr;
  bson_iter_t id;
  if (mode == FullDocumentMode::kUpdateLookup && bson_iter_init(&id, event.doc.get()) &&
      bson_iter_find_descendant(&id, "documentKey._id", &id)) {
    if (Collection* collection = FindCollection(event.db, event.coll)) {
      Collection::RecordId record;
      if (collection->FindById(*bson_iter_value(&id), &record)) {
        current = collection->documents().at(record).get();
      }
    }
  }
  return WithFullDocument(*event.doc, current);
}

std::expected<EngineCore::StreamBatch, CommandError> EngineCore::ReadStream(
    ChangeStreamState& stream, int64_t max_events) {
  if (!history_.IsResumable(stream.position)) return std::unexpected(HistoryLost());
  StreamBatch batch;
  if (stream.invalidate_pending) {
    stream.invalidate_pending = false;
    if (const ChangeEvent* drop = history_.At(stream.position)) {
      ResumeToken token{drop->ts, drop->seq, true};
      batch.invalidate = BuildInvalidateEvent(token, drop->wall_ms);
      stream.resume_token = token;
      batch.post_batch_resume_token = token;
      return batch;
    }
  }
  // An examined event that is not returned moves the token to a high-water
  // mark just past it (as mongod's postBatchResumeToken moves with the oplog
  // it scanned), never backwards (startAtOperationTime in the future).
  auto passed = [&stream](const ChangeEvent& event) {
    const Timestamp after = event.ts.NextTick();
    if (after > stream.resume_token.ts) stream.resume_token = HighWaterMark(after, event.seq);
  };
  size_t bytes = 0;
  const uint64_t last = history_.last_seq();
  for (uint64_t seq = stream.position + 1; seq <= last; ++seq) {
    const ChangeEvent* event = history_.At(seq);
    if (event == nullptr) break;  // cannot happen: positions >= evicted are kept
    ++change_events_examined_;
    if (!InScope(*event, stream.scope) || event->ts < stream.start_at) {
      stream.position = seq;
      passed(*event);
      continue;
    }
    if (static_cast<int64_t>(batch.events.size()) >= max_events) break;
    if (!batch.events.empty() && bytes + event->doc->len > kMaxBatchBytes) break;
    stream.position = seq;
    const bson_t* out = event->doc.get();
    if (event->kind == ChangeEvent::Kind::kUpdate &&
        stream.full_document != FullDocumentMode::kDefault) {
      // Before the stream's own stages, as in mongod, so that a $match on
      // fullDocument sees the looked-up document.
      auto with_document = AddFullDocument(stream.full_document, *event);
      if (!with_document) return std::unexpected(with_document.error());
      batch.owned.push_back(std::move(*with_document));
      out = batch.owned.back().get();
    }
    if (stream.pipeline) {
      auto applied = ApplyChangeStreamStages(*stream.pipeline, *out, batch.owned);
      if (!applied) return std::unexpected(applied.error());
      out = *applied;
    }
    if (out != nullptr) {
      batch.events.push_back(out);
      bytes += out->len;
      stream.resume_token = ResumeToken{event->ts, seq, false};
    } else {
      passed(*event);
    }
    const bool own_drop = EndsStream(*event, stream.scope);
    if (own_drop) {
      // A collection stream ends with an invalidate after its collection's
      // drop, whatever its filter; startAfter this token opens a new stream.
      ResumeToken token{event->ts, seq, true};
      batch.invalidate = BuildInvalidateEvent(token, event->wall_ms);
      stream.resume_token = token;
      break;
    }
  }
  batch.post_batch_resume_token = stream.resume_token;
  return batch;
}

EngineCore::Result EngineCore::OpenChangeStream(const Call& call, const bson_t& pipeline,
                                                int64_t batch_size) {
  ++opcounters_.command;
  bson_iter_t stage;
  bson_iter_init(&stage, &pipeline);
  bson_iter_next(&stage);  // the caller saw a first stage named $changeStream
  bson_iter_t spec;
  bson_iter_recurse(&stage, &spec);
  bson_iter_next(&spec);
  auto options = ParseStreamOptions(spec);
  if (!options) return std::unexpected(options.error());

  auto stages = ParseChangeStreamStages(stage);
  if (!stages) return std::unexpected(stages.error());

  // Scope: a collection, a database (aggregate: 1) or the cluster.
  StreamScope scope;
  std::string ns;
  bson_iter_t target;
  FindField(call.command, "aggregate", &target);
  if (BSON_ITER_HOLDS_UTF8(&target)) {
    auto coll = ReadCollectionName(call.command, "aggregate");
    if (!coll) return std::unexpected(coll.error());
    if (options->all_changes_for_cluster) {
      return std::unexpected(AllChangesForClusterMisplaced(call.db + "." + *coll));
    }
    scope = StreamScope{call.db, *coll};
    ns = call.db + "." + *coll;
  } else if (IterAsInt(target) == 1) {
    if (call.db == "admin") {
      if (!options->all_changes_for_cluster) {
        return std::unexpected(
            MakeError(73, "InvalidNamespace",
                      "$changeStream may not be opened on the internal admin database without "
                      "allChangesForCluster"));
      }
    } else if (options->all_changes_for_cluster) {
      return std::unexpected(AllChangesForClusterMisplaced(call.db + ".$cmd.aggregate"));
    }
    scope = StreamScope{call.db == "admin" ? std::string() : call.db, std::string()};
    ns = call.db + ".$cmd.aggregate";
  } else {
    return std::unexpected(TypeMismatch("'aggregate' must be a collection name or 1"));
  }

  auto start = ResolveStart(*options, scope, history_, clock_.Current());
  if (!start) return std::unexpected(start.error());
  ChangeStreamState stream{std::move(scope),          start->position, std::move(*stages),
                           start->invalidate_pending, start->start_at, start->resume_token,
                           options->full_document};
  auto batch = ReadStream(stream, batch_size);
  if (!batch) return std::unexpected(batch.error());
  std::vector<const bson_t*> events = std::move(batch->events);
  if (batch->invalidate) events.push_back(batch->invalidate.get());
  int64_t id = 0;
  if (!batch->invalidate) {
    id = cursors_.Add(Cursor{0, ns, call.ctx.now_mono_ms, 0, 0, std::move(stream)}).id;
  }
  common::BsonPtr reply = common::NewBson();
  AppendCursor(reply.get(), id, ns, true, events, batch->post_batch_resume_token);
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::ChangeStreamGetMore(const Call& call, Cursor& cursor,
                                                   int64_t batch_size) {
  auto max_time = ReadOptionalInt(call.command, "maxTimeMS");
  if (!max_time) return std::unexpected(max_time.error());
  auto& stream = std::get<ChangeStreamState>(cursor.state);
  auto batch =
      ReadStream(stream, batch_size > 0 ? batch_size : std::numeric_limits<int64_t>::max());
  if (!batch) {
    cursors_.Erase(cursor.id);
    return std::unexpected(batch.error());
  }
  // A re-run of the getMore parked on this connection keeps its deadline.
  const bool parked_here =
      cursor.pinned_by == call.ctx.connection_id && cursor.wait_deadline_mono_ms != 0;
  if (!parked_here) {
    int64_t await_ms = max_time->value_or(kDefaultAwaitMs);
    if (await_ms <= 0) await_ms = kDefaultAwaitMs;
    await_ms = std::min(await_ms, kMaxAwaitMs);  // no overflow when added to the clock
    cursor.wait_deadline_mono_ms = call.ctx.now_mono_ms + await_ms;
  }
  const bool deadline_passed =
      call.ctx.deadline_passed || call.ctx.now_mono_ms >= cursor.wait_deadline_mono_ms;
  if (batch->events.empty() && !batch->invalidate && !deadline_passed) {
    cursor.pinned_by = call.ctx.connection_id;
    return Outcome::Wait(cursor.wait_deadline_mono_ms);
  }
  cursor.pinned_by = 0;
  cursor.wait_deadline_mono_ms = 0;
  cursor.last_used_mono_ms = call.ctx.now_mono_ms;
  std::vector<const bson_t*> events = std::move(batch->events);
  if (batch->invalidate) events.push_back(batch->invalidate.get());
  const int64_t id = batch->invalidate ? 0 : cursor.id;
  const std::string ns = cursor.ns;
  common::BsonPtr reply = common::NewBson();
  AppendCursor(reply.get(), id, ns, false, events, batch->post_batch_resume_token);
  if (batch->invalidate) cursors_.Erase(cursor.id);
  return Outcome::Reply(std::move(reply));
}

}  // namespace devmongod
