#include "chat/app/stream_service.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "chat/app/db_error_metrics.h"
#include "chat/app/lazy_store.h"
#include "chat/app/request_info.h"
#include "chat/core/api_error.h"
#include "chat/core/http.h"
#include "chat/core/log_line.h"
#include "chat/core/message_json.h"
#include "chat/core/query.h"
#include "chat/core/resume_token.h"
#include "chat/core/sse.h"
#include "chat/core/stream_frames.h"
#include "chat/web/process_signals.h"
#include "common/clock.h"
#include "common/object_id.h"

namespace chat::app {
namespace {

// Events held back to share one write never add up to more than this.
constexpr size_t kFlushBytes = 64 * 1024;

// The inserted document's _id, for recognising messages already sent as backfill.
std::optional<std::string> InsertedId(const bson_t& change_event) {
  bson_iter_t iter;
  if (bson_iter_init(&iter, &change_event) &&
      bson_iter_find_descendant(&iter, "documentKey._id", &iter) && BSON_ITER_HOLDS_OID(&iter)) {
    return common::OidHex(*bson_iter_oid(&iter));
  }
  return std::nullopt;
}

metrics::SseEvent SseEventOf(SentEvent sent) {
  switch (sent) {
    case SentEvent::kUpdate:
      return metrics::SseEvent::kUpdate;
    case SentEvent::kDelete:
      return metrics::SseEvent::kDelete;
    case SentEvent::kMessage:
    case SentEvent::kNone:
      break;
  }
  return metrics::SseEvent::kMessage;
}

// Per-request state and the steps of one stream.
class StreamRequest {
 public:
  // `identity_left_ms`: how long the caller's token stays valid (-1: no
  // token); the stream ends then with a token_expired error event.
  StreamRequest(const Config& config, web::Exchange& exchange, LogLine& log, StreamWatch& watch,
                metrics::Recorder& metrics, int64_t identity_left_ms)
      : config_(config),
        metrics_(metrics),
        exchange_(exchange),
        log_(log),
        watch_(watch),
        token_ends_stream_(identity_left_ms >= 0 &&
                           identity_left_ms < int64_t{config.stream_max_s} * 1000),
        deadline_ms_(common::MonotonicMs() +
                     (token_ends_stream_ ? identity_left_ms : int64_t{config.stream_max_s} * 1000)),
        heartbeat_ms_(int64_t{config.heartbeat_s} * 1000) {}

  // Writes and flushes `frames`; false when the client is gone.
  bool Send(std::string& frames) {
    if (frames.empty()) return true;
    bytes_ += static_cast<int64_t>(frames.size());
    metrics_.SseBytes(frames.size());
    ++writes_;
    bool ok = exchange_.Write(frames) && exchange_.Flush();
    frames.clear();
    last_write_ms_ = common::MonotonicMs();
    return ok;
  }

  // `frames` holds the response head and the retry hint: they go out only
  // once the change stream is open, so a client that has the head knows
  // every message posted from then on will reach it.
  void Run(db::ChatStore* store, const StreamParams& params, std::string frames);

  int64_t events() const { return events_; }
  int64_t bytes() const { return bytes_; }
  int64_t writes() const { return writes_; }
  // Whether the stream ended because the database was out of reach.
  bool database_unavailable() const { return database_unavailable_; }

 private:
  std::unique_ptr<db::MessageStream> Open(db::ChatStore* store, const StreamParams& params,
                                          std::string& frames);
  bool Backfill(db::ChatStore* store, const StreamParams& params, db::MessageStream& stream,
                std::string& frames);
  void Fail(std::string& frames, const db::DbError& error, const char* end);
  // The steps of Run's loop; each returns why the stream ends (for the log's
  // end=), or null to go on.
  // Backfill, then events until a reason to end (returned; null when the
  // stream already ended with an error event).
  const char* Pump(db::ChatStore* store, const StreamParams& params, db::MessageStream& stream,
                   std::string& frames);
  const char* ReasonToEnd(std::string& frames);
  const char* Forward(const bson_t& event, const db::MessageStream& stream, std::string& frames);
  const char* KeepAlive(std::string& frames);
  const char* AtDeadline(std::string& frames);

  const Config& config_;
  metrics::Recorder& metrics_;
  web::Exchange& exchange_;
  LogLine& log_;
  StreamWatch& watch_;
  const bool token_ends_stream_;
  const int64_t deadline_ms_;
  const int64_t heartbeat_ms_;
  int64_t last_write_ms_ = 0;
  int64_t events_ = 0;
  int64_t bytes_ = 0;
  int64_t writes_ = 0;
  bool database_unavailable_ = false;
  std::set<std::string> backfilled_;
};

void StreamRequest::Fail(std::string& frames, const db::DbError& error, const char* end) {
  ApiError api =
      error.kind == db::DbError::Kind::kUnavailable
          ? DatabaseUnavailable(RetryAfterSeconds(config_))
          : MakeError(ErrorCode::kInternalError, "The message stream failed; reconnect to resume.");
  AppendErrorEvent(frames, api);
  metrics_.Sse(metrics::SseEvent::kError);
  metrics_.DatabaseError(MetricsKindOf(error.kind));
  Send(frames);
  log_.End(end).Detail(error.KindName());
  database_unavailable_ = error.kind == db::DbError::Kind::kUnavailable;
}

std::unique_ptr<db::MessageStream> StreamRequest::Open(db::ChatStore* store,
                                                       const StreamParams& params,
                                                       std::string& frames) {
  common::BsonPtr token;
  if (params.last_event_id) {
    auto parsed = ResumeTokenFromEventId(*params.last_event_id);
    if (parsed) token = std::move(*parsed);
  }
  auto stream = store->Watch(params.room, token.get(), heartbeat_ms_);
  if (!stream && token &&
      (stream.error().kind == db::DbError::Kind::kHistoryLost ||
       stream.error().kind == db::DbError::Kind::kInvalidToken)) {
    // The client's position is gone: tell it to reload its history, then
    // carry on live rather than failing the stream for ever.
    bool lost = stream.error().kind == db::DbError::Kind::kHistoryLost;
    AppendResetEvent(
        frames, lost ? "history_lost" : "invalid_last_event_id",
        lost ? "Messages since your last event are no longer available; reload the history."
             : "The Last-Event-ID is not a position this server knows; reload the history.");
    log_.Detail(lost ? "reset=history_lost" : "reset=invalid_token");
    metrics_.Sse(metrics::SseEvent::kReset);
    metrics_.Resume(lost ? metrics::ResumeOutcome::kHistoryLost
                         : metrics::ResumeOutcome::kInvalidId);
    metrics_.DatabaseError(MetricsKindOf(stream.error().kind));
    stream = store->Watch(params.room, nullptr, heartbeat_ms_);
  } else if (stream && token) {
    metrics_.Resume(metrics::ResumeOutcome::kResumed);
  }
  if (!stream) {
    Fail(frames, stream.error(), "db_error");
    return nullptr;
  }
  return std::move(*stream);
}

bool StreamRequest::Backfill(db::ChatStore* store, const StreamParams& params,
                             db::MessageStream& stream, std::string& frames) {
  bool more = false;
  // The change stream is already open, so a message inserted from here on is
  // in it; the page read now covers everything before. Messages in both are
  // recognised by _id and sent once.
  auto page = store->Latest(params.room, params.backfill, std::nullopt, &more);
  if (!page) {
    Fail(frames, page.error(), "db_error");
    return false;
  }
  for (auto it = page->rbegin(); it != page->rend(); ++it) {
    if (auto id = MessageId(**it)) backfilled_.insert(common::OidHex(*id));
    if (auto sent = AppendBackfillMessage(frames, **it); sent) {
      ++events_;
      metrics_.Sse(metrics::SseEvent::kMessage);
    } else {
      log_.Detail(sent.error());
    }
  }
  // Give the browser a position to resume from should it reconnect before
  // the first live message.
  if (common::BsonPtr token = stream.ResumeToken()) {
    if (auto id = EventIdFromResumeToken(*token)) (void)AppendSseIdOnly(frames, *id);
  }
  return true;
}

const char* StreamRequest::ReasonToEnd(std::string& frames) {
  switch (watch_.reason()) {
    case StreamWatch::Reason::kClientGone:
      return "client_gone";
    case StreamWatch::Reason::kStop:
      Send(frames);
      return "shutdown";
    case StreamWatch::Reason::kDeadline:
      return AtDeadline(frames);
    case StreamWatch::Reason::kNone:
      break;
  }
  // The watch thread says so within moments; these also catch what arrives
  // while an event is being forwarded.
  if (web::StopRequested()) {
    Send(frames);
    return "shutdown";
  }
  if (common::MonotonicMs() >= deadline_ms_) return AtDeadline(frames);
  return nullptr;
}

// The stream's time is up: CHAT_STREAM_MAX_S (the browser reconnects by
// itself) or the token's expiry, which the browser is told about, so that
// it reconnects with a fresh token and resumes from its last event.
const char* StreamRequest::AtDeadline(std::string& frames) {
  if (!token_ends_stream_) {
    Send(frames);
    return "max_duration";
  }
  AppendErrorEvent(frames, MakeError(ErrorCode::kTokenExpired,
                                     "Your token has expired; reconnect with a fresh one."));
  metrics_.Sse(metrics::SseEvent::kError);
  Send(frames);
  return "token_expired";
}

const char* StreamRequest::Forward(const bson_t& event, const db::MessageStream& stream,
                                   std::string& frames) {
  const bool invalidate = ChangeOperationType(event) == "invalidate";
  std::optional<std::string> id = InsertedId(event);
  if (id && backfilled_.erase(*id) > 0) {
    // Already sent as backfill: only move the browser's position past it.
    if (auto skipped = AppendChangeEventIdOnly(frames, event); !skipped)
      log_.Detail(skipped.error());
  } else if (auto appended = AppendChangeEvent(frames, event); appended) {
    if (appended->message_sent()) {
      ++events_;
      metrics_.Sse(SseEventOf(appended->sent));
    } else
      log_.Detail(appended->skipped_reason);
  } else {
    log_.Detail(appended.error());
  }
  // Events the driver already holds (a batch, when this worker fell behind
  // or a resume replays history) go out with one write: fewer system calls
  // here and fewer wake-ups for nginx and the browser.
  const bool more_at_hand =
      stream.HasBufferedEvents() && frames.size() < kFlushBytes && !invalidate;
  if (!more_at_hand && !Send(frames)) return "client_gone";
  return invalidate ? "invalidated" : nullptr;
}

const char* StreamRequest::KeepAlive(std::string& frames) {
  if (common::MonotonicMs() - last_write_ms_ < heartbeat_ms_) return nullptr;
  AppendKeepalive(frames);
  metrics_.Sse(metrics::SseEvent::kHeartbeat);
  return Send(frames) ? nullptr : "client_gone";
}

void StreamRequest::Run(db::ChatStore* store, const StreamParams& params, std::string frames) {
  std::unique_ptr<db::MessageStream> stream = Open(store, params, frames);
  if (!stream) return;
  // The wait for events lasts up to a heartbeat; the watch ends it early
  // (by killing the cursor) when the browser leaves, the worker must stop
  // or the stream's time is up.
  watch_.Begin(exchange_.GoneWatchFd(), deadline_ms_,
               [options = StoreOptionsFor(config_, "stream-messages-watch"), &stream] {
                 (void)db::KillCursorElsewhere(options, stream->CursorId());
               });
  const char* end = Pump(store, params, *stream, frames);
  watch_.End();
  if (const int64_t reopens = stream->Reopens(); reopens > 0) {
    metrics_.ChangeStreamReopened(static_cast<uint64_t>(reopens));
  }
  if (end) log_.End(end);
}

const char* StreamRequest::Pump(db::ChatStore* store, const StreamParams& params,
                                db::MessageStream& stream, std::string& frames) {
  if (!params.last_event_id && params.backfill > 0 && !Backfill(store, params, stream, frames))
    return nullptr;
  const char* end = Send(frames) ? nullptr : "client_gone";
  while (!end && !(end = ReasonToEnd(frames))) {
    auto next = stream.Next();
    // A wait the watch cut short ends with an error (the killed cursor):
    // what ended it is the watch's reason, not the database.
    if ((end = ReasonToEnd(frames))) break;
    if (!next) {
      Fail(frames, next.error(), "db_error");
      return nullptr;
    }
    if (*next) {
      end = Forward(**next, stream, frames);
    } else if (!Send(frames)) {
      // The driver had no event after all: whatever was held back goes now.
      end = "client_gone";
    }
    if (!end) end = KeepAlive(frames);
  }
  return end;
}

}  // namespace

int64_t StreamService::IdentityLeftMs(const std::optional<auth::Identity>& identity) const {
  if (!identity || identity->expires_at_s <= 0) return -1;
  // Valid until exp plus the leeway, exactly as long as Verify accepts it:
  // ending sooner would have the browser reconnect with the same token, be
  // let in again, and loop.
  const int64_t ends_ms = (identity->expires_at_s + config_.jwt_leeway_s) * 1000;
  return std::max<int64_t>(0, ends_ms - common::WallMs());
}

void StreamService::Serve(web::Exchange& exchange) {
  const int64_t started = common::MonotonicMs();
  LogLine log(common::WallMs(), "stream-messages", getpid(), ++requests_);
  std::string_view method = exchange.Param("REQUEST_METHOD");
  log.Method(method).Path(RequestPath(exchange));
  auto finish = [&](int status) {
    metrics_.Request(metrics::Endpoint::kStream, status);
    log.Status(status).DurationMs(common::MonotonicMs() - started);
    std::fputs(log.Finish().c_str(), stderr);
  };
  auto reject = [&](const ApiError& error) {
    exchange.Write(ErrorResponse(error));
    exchange.Flush();
    log.Error(error.code);
    finish(error.status());
  };

  if (auto error = CheckMethod(OptionalParam(exchange, "REQUEST_METHOD"), {"GET", "HEAD"})) {
    reject(*error);
    return;
  }
  auto params = ParseStreamParams(exchange.Param("QUERY_STRING"),
                                  OptionalParam(exchange, "HTTP_LAST_EVENT_ID"));
  if (!params) {
    reject(params.error());
    return;
  }
  log.Room(params->room);
  auto caller = authenticator_.Identify(exchange, common::WallMs() / 1000);
  if (!caller) {
    reject(caller.error());
    return;
  }
  if (*caller) {
    log.User((*caller)->user_id);
    if (!auth::RoomAllowed(**caller, params->room)) {
      reject(MakeError(ErrorCode::kForbiddenRoom, "Your token does not allow this room.", "room"));
      return;
    }
  }

  std::string head = FormatResponseHead(200, {{"Content-Type", "text/event-stream; charset=utf-8"},
                                              {"Cache-Control", "no-cache"},
                                              {"X-Accel-Buffering", "no"}});
  if (method == "HEAD") {
    exchange.Write(head);
    exchange.Flush();
    finish(200);
    return;
  }
  // Even a stream whose database is unreachable is a 200 with a retry hint
  // and an error event, which every EventSource client retries by itself.
  AppendStreamStart(head, static_cast<uint32_t>(config_.retry_ms));
  if (!watch_) watch_ = std::make_unique<StreamWatch>();
  StreamRequest request(config_, exchange, log, *watch_, metrics_, IdentityLeftMs(*caller));
  metrics_.StreamStarted();
  std::string error;
  db::ChatStore* store = store_.Get(&error);
  if (!store) {
    AppendErrorEvent(head, DatabaseUnavailable(RetryAfterSeconds(config_)));
    metrics_.Sse(metrics::SseEvent::kError);
    metrics_.DatabaseError(metrics::DbErrorKind::kUnavailable);
    request.Send(head);
    log.End("db_error").Detail(error);
  } else {
    request.Run(store, *params, std::move(head));
    // This worker serves further streams: a fresh client connects as soon as
    // the database is back, where the old one would first sit out the
    // driver's back-off for a server it saw failing.
    if (request.database_unavailable()) store_.Forget();
  }
  metrics_.StreamDuration((common::MonotonicMs() - started) * 1000);
  log.Events(request.events()).Bytes(request.bytes()).Writes(request.writes());
  finish(200);
  // Last, so that a scrape that sees the stream closed also sees it counted.
  metrics_.StreamEnded();
}

}  // namespace chat::app
