#include "chat/app/messages_service.h"

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "chat/app/db_error_metrics.h"
#include "chat/app/request_info.h"
#include "chat/core/api_error.h"
#include "chat/core/http.h"
#include "chat/core/message.h"
#include "chat/core/message_change.h"
#include "chat/core/message_id.h"
#include "chat/core/message_json.h"
#include "chat/core/query.h"
#include "chat/metrics/exposition.h"
#include "chat/metrics/metrics_file.h"
#include "common/clock.h"
#include "common/object_id.h"

namespace chat::app {
namespace {

constexpr const char* kJsonType = "application/json; charset=utf-8";

std::string JsonResponse(int status, const std::string& body, HeaderList extra = {}) {
  HeaderList headers = {{"Content-Type", kJsonType}, {"Cache-Control", "no-store"}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  return FormatResponseHead(status, headers) + body;
}

// The part of a message id that keeps concurrent posts apart. Drawn per
// message from the kernel, so forked workers never share a sequence.
uint32_t RandomIdBits() {
  uint32_t bits = 0;
  // getrandom does not fail for four bytes once the kernel's pool is ready;
  // should it, the order key alone still orders the message correctly.
  (void)!getrandom(&bits, sizeof bits, 0);
  return bits;
}

// The caller may read and post in `room` (every room when anonymous).
std::optional<ApiError> CheckRoom(const std::optional<auth::Identity>& caller,
                                  std::string_view room) {
  if (!caller || auth::RoomAllowed(*caller, room)) return std::nullopt;
  return MakeError(ErrorCode::kForbiddenRoom, "Your token does not allow this room.", "room");
}

// The 24 hex digits of /api/messages/{id}, or nullopt.
std::optional<bson_oid_t> ParseMessageId(std::string_view text) {
  if (text.size() != 24 || !bson_oid_is_valid(text.data(), text.size())) return std::nullopt;
  bson_oid_t id;
  bson_oid_init_from_string(&id, std::string(text).c_str());
  return id;
}

// Reads a JSON request body (Content-Type, Content-Length, the size limit).
std::expected<std::string, ApiError> ReadJsonBody(web::Exchange& exchange) {
  if (auto error = CheckJsonContentType(OptionalParam(exchange, "CONTENT_TYPE")))
    return std::unexpected(*error);
  auto length = ParseContentLength(OptionalParam(exchange, "CONTENT_LENGTH"), kMaxPostBodyBytes);
  if (!length) return std::unexpected(length.error());
  std::string body;
  bool too_large = false;
  if (!exchange.ReadBody(kMaxPostBodyBytes, &body, &too_large)) {
    return std::unexpected(
        MakeError(ErrorCode::kInvalidJson, "The request body could not be read completely."));
  }
  if (too_large) return std::unexpected(PayloadTooLarge(kMaxPostBodyBytes));
  return body;
}

// The endpoint a request counts under in the metrics.
metrics::Endpoint EndpointOf(std::string_view path, std::string_view method) {
  if (path == "/api/messages" || path.empty()) {
    return method == "POST" ? metrics::Endpoint::kPost : metrics::Endpoint::kHistory;
  }
  if (path.starts_with("/api/messages/")) return metrics::Endpoint::kOneMessage;
  if (path == "/api/me") return metrics::Endpoint::kMe;
  if (path == "/api/health") return metrics::Endpoint::kHealth;
  if (path == "/metrics") return metrics::Endpoint::kMetrics;
  return metrics::Endpoint::kOther;
}

}  // namespace

MessagesService::Response MessagesService::Reject(const ApiError& error, LogLine& log) {
  log.Error(error.code);
  return {error.status(), ErrorResponse(error)};
}

db::ChatStore* MessagesService::Store(LogLine& log) {
  std::string error;
  db::ChatStore* store = store_.Get(&error);
  if (!store) log.Detail(error);
  return store;
}

MessagesService::Response MessagesService::DatabaseError(const db::DbError& error, LogLine& log) {
  log.Detail(error.KindName());
  metrics_.DatabaseError(MetricsKindOf(error.kind));
  if (error.kind == db::DbError::Kind::kUnavailable) store_.Forget();
  ApiError api = error.kind == db::DbError::Kind::kUnavailable
                     ? DatabaseUnavailable(RetryAfterSeconds(config_))
                     : MakeError(ErrorCode::kInternalError, "The database refused the operation.");
  log.Error(api.code);
  return {api.status(), ErrorResponse(api)};
}

MessagesService::Response MessagesService::Post(web::Exchange& exchange, const Caller& caller,
                                                LogLine& log) {
  auto body = ReadJsonBody(exchange);
  if (!body) return Reject(body.error(), log);
  auto message =
      ValidatePostBody(*body, caller ? UsernameRule::kOptional : UsernameRule::kRequired);
  if (!message) return Reject(message.error(), log);
  log.Room(message->room);
  if (auto error = CheckRoom(caller, message->room)) return Reject(*error, log);
  if (caller) {
    // The stored name is always the token's, put through the same rules as
    // a typed one; a body may repeat it but not claim another.
    auto name = ValidateUsername(caller->name);
    if (!name) {
      return Reject(MakeError(ErrorCode::kForbiddenUsername,
                              "Your token's name is not a valid username.", "username"),
                    log);
    }
    if (!message->username.empty() && message->username != *name) {
      return Reject(MakeError(ErrorCode::kForbiddenUsername,
                              "username differs from the name you are signed in with.", "username"),
                    log);
    }
    message->username = std::move(*name);
  }

  db::ChatStore* store = Store(log);
  if (!store) return DatabaseError(db::DbError{db::DbError::Kind::kUnavailable, 0, ""}, log);
  if (!indexes_ensured_) {
    // Once per worker; a failure here must not cost the user their message.
    auto ensured = store->EnsureIndexes();
    indexes_ensured_ = ensured.has_value();
  }
  // After everything already stored, so posting order is the order of
  // every view (core/message_id.h).
  auto newest = store->NewestObjectId();
  if (!newest) return DatabaseError(newest.error(), log);
  const uint64_t key = NextOrderKey(common::WallUs(), *newest);
  const std::string user_id = caller ? caller->user_id : std::string();
  bson_oid_t id;
  common::BsonPtr document;
  std::expected<void, db::DbError> inserted;
  // Equal ids need a concurrent post with the same key and the same random
  // bits; the unique _id index refuses the second, which then simply draws
  // again (its key still sorts after everything it read).
  for (int attempt = 0; attempt < 3; ++attempt) {
    id = ComposeMessageId(key, RandomIdBits());
    document = BuildMessageDocument(*message, id, OrderKeyMs(key), user_id);
    inserted = store->Insert(*document);
    if (inserted || inserted.error().kind != db::DbError::Kind::kDuplicateKey) break;
  }
  if (!inserted) return DatabaseError(inserted.error(), log);
  auto json = MessageJson(*document);
  if (!json)
    return Reject(MakeError(ErrorCode::kInternalError, "The stored message cannot be shown."), log);
  return {201,
          JsonResponse(201, *json + "\n", {{"Location", "/api/messages/" + common::OidHex(id)}})};
}

MessagesService::Response MessagesService::History(web::Exchange& exchange, const Caller& caller,
                                                   LogLine& log, bool head_only) {
  auto params = ParseHistoryParams(exchange.Param("QUERY_STRING"));
  if (!params) return Reject(params.error(), log);
  log.Room(params->room);
  if (auto error = CheckRoom(caller, params->room)) return Reject(*error, log);
  db::ChatStore* store = Store(log);
  if (!store) return DatabaseError(db::DbError{db::DbError::Kind::kUnavailable, 0, ""}, log);
  bool more = false;
  auto page = store->Latest(params->room, params->limit, params->before, &more);
  if (!page) return DatabaseError(page.error(), log);
  std::vector<std::string> messages;
  messages.reserve(page->size());
  for (const auto& doc : *page) {
    if (auto json = MessageJson(*doc))
      messages.push_back(std::move(*json));
    else
      log.Detail(json.error());
  }
  std::optional<bson_oid_t> next;
  if (more && !page->empty()) next = MessageId(*page->back());
  log.Events(static_cast<int64_t>(messages.size()));
  std::string body = HistoryJson(messages, next) + "\n";
  return {200, JsonResponse(200, head_only ? std::string() : body)};
}

MessagesService::Response MessagesService::OneMessage(web::Exchange& exchange,
                                                      std::string_view id_text,
                                                      const Caller& caller, LogLine& log) {
  const std::string_view method = exchange.Param("REQUEST_METHOD");
  auto id = ParseMessageId(id_text);
  if (!id) return Reject(MakeError(ErrorCode::kNotFound, "There is no such message."), log);
  if (method == "PATCH" || method == "DELETE") return Change(exchange, *id, caller, log);
  db::ChatStore* store = Store(log);
  if (!store) return DatabaseError(db::DbError{db::DbError::Kind::kUnavailable, 0, ""}, log);
  auto found = store->FindMessage(*id);
  if (!found) return DatabaseError(found.error(), log);
  if (!*found) return Reject(MakeError(ErrorCode::kNotFound, "There is no such message."), log);
  auto room = MessageRoom(**found);
  log.Room(room);
  if (auto error = CheckRoom(caller, room)) return Reject(*error, log);
  auto json = IsDeleted(**found) ? DeletedMessageJson(**found) : MessageJson(**found);
  if (!json) {
    log.Detail(json.error());
    return Reject(MakeError(ErrorCode::kInternalError, "The stored message cannot be shown."), log);
  }
  return {200, JsonResponse(200, method == "HEAD" ? std::string() : *json + "\n")};
}

// Edit (PATCH) or soft-delete (DELETE) one message: read it to decide who
// may (message_change.h), then change it only if it is still not deleted, in
// one atomic findAndModify, so racing changes cannot both win.
MessagesService::Response MessagesService::Change(web::Exchange& exchange, const bson_oid_t& id,
                                                  const Caller& caller, LogLine& log) {
  const bool edit = exchange.Param("REQUEST_METHOD") == "PATCH";
  std::string content;
  if (edit) {
    auto body = ReadJsonBody(exchange);
    if (!body) return Reject(body.error(), log);
    auto valid = ValidateEditBody(*body);
    if (!valid) return Reject(valid.error(), log);
    content = std::move(*valid);
  }
  if (!caller && !config_.moderation_without_auth) {
    return Reject(
        MakeError(ErrorCode::kForbidden, "Editing and deleting need authentication (CHAT_AUTH)."),
        log);
  }
  db::ChatStore* store = Store(log);
  if (!store) return DatabaseError(db::DbError{db::DbError::Kind::kUnavailable, 0, ""}, log);
  auto found = store->FindMessage(id);
  if (!found) return DatabaseError(found.error(), log);
  if (!*found) return Reject(MakeError(ErrorCode::kNotFound, "There is no such message."), log);
  const std::string room = MessageRoom(**found);
  log.Room(room);
  if (auto error = CheckRoom(caller, room)) return Reject(*error, log);
  const Editor editor{caller ? caller->user_id : std::string(),
                      caller && auth::IsModerator(*caller), !caller};
  const int64_t now_ms = common::WallMs();
  const MessageChange change = edit ? MessageChange::kEdit : MessageChange::kDelete;
  if (auto error = CheckChange(change, editor, FactsOf(**found), now_ms, config_.edit_window_s))
    return Reject(*error, log);
  common::BsonPtr update = edit ? EditUpdate(content, now_ms) : DeleteUpdate(now_ms);
  auto updated = store->UpdateMessage(id, *NotDeletedCondition(), *update);
  if (!updated) return DatabaseError(updated.error(), log);
  if (!*updated) {
    // Deleted (or removed) between our read and our write.
    return Reject(MakeError(ErrorCode::kAlreadyDeleted, "The message was deleted already."), log);
  }
  if (!edit) return {204, FormatResponseHead(204, {{"Cache-Control", "no-store"}})};
  auto json = MessageJson(**updated);
  if (!json)
    return Reject(MakeError(ErrorCode::kInternalError, "The stored message cannot be shown."), log);
  return {200, JsonResponse(200, *json + "\n")};
}

MessagesService::Response MessagesService::Me(const Caller& caller, bool head_only) {
  const std::string body =
      IdentityJson(authenticator_.mode(), caller, config_.moderation_without_auth) + "\n";
  return {200, JsonResponse(200, head_only ? std::string() : body)};
}

MessagesService::Response MessagesService::Metrics(LogLine& log, bool head_only) {
  if (config_.metrics_dir.empty()) {
    return Reject(MakeError(ErrorCode::kNotFound, "Metrics are off (CHAT_METRICS_DIR is not set)."),
                  log);
  }
  std::vector<metrics::Snapshot> snapshots;
  for (metrics::Pool pool : {metrics::Pool::kStream, metrics::Pool::kMessages}) {
    // A program that never ran here has no file yet: it simply has no rows.
    if (auto file = metrics::MetricsFile::OpenForReading(config_.metrics_dir, pool)) {
      snapshots.push_back(metrics::TakeSnapshot(file->block(), pool));
    } else {
      log.Detail(file.error());
    }
  }
  const std::string body = metrics::RenderExposition(snapshots);
  return {200,
          FormatResponseHead(200, {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"},
                                   {"Cache-Control", "no-store"}}) +
              (head_only ? std::string() : body)};
}

// nginx routes the 502/503/504 it would answer itself (a full pool's
// limit_conn, a pool restarting) here, so that they are counted; the answer
// is the one nginx gives when this worker cannot be reached either.
MessagesService::Response MessagesService::PoolFull(web::Exchange& exchange, LogLine& log) {
  const bool stream = exchange.Param("DOCUMENT_URI") == "/api/stream-messages";
  if (exchange.Param("CHAT_LIMIT_CONN") == "REJECTED") {
    metrics_.Rejected(stream ? metrics::Pool::kStream : metrics::Pool::kMessages);
  }
  log.Detail(stream ? "rejected=stream" : "rejected=messages");
  const std::string body =
      "{\"error\":{\"code\":\"service_unavailable\",\"message\":\"The chat is busy or "
      "restarting; retry shortly.\"}}\n";
  return {503,
          JsonResponse(503, body, {{"Retry-After", std::to_string(RetryAfterSeconds(config_))}})};
}

MessagesService::Response MessagesService::Health(LogLine& log, bool head_only) {
  db::ChatStore* store = Store(log);
  auto pinged =
      store ? store->Ping() : std::unexpected(db::DbError{db::DbError::Kind::kUnavailable, 0, ""});
  if (!pinged) {
    log.Detail(pinged.error().KindName());
    store_.Forget();
    std::string body = "{\"status\":\"unavailable\"}\n";
    return {503, JsonResponse(503, head_only ? std::string() : body,
                              {{"Retry-After", std::to_string(RetryAfterSeconds(config_))}})};
  }
  return {200, JsonResponse(200, head_only ? std::string() : "{\"status\":\"ok\"}\n")};
}

MessagesService::Response MessagesService::Route(web::Exchange& exchange, const std::string& path,
                                                 LogLine& log) {
  const std::string_view method = exchange.Param("REQUEST_METHOD");
  const bool head = method == "HEAD";
  auto allow = [&](std::initializer_list<std::string_view> allowed) {
    return CheckMethod(OptionalParam(exchange, "REQUEST_METHOD"), allowed);
  };
  constexpr std::string_view kOne = "/api/messages/";
  if (OptionalParam(exchange, "CHAT_UNAVAILABLE")) return PoolFull(exchange, log);
  std::optional<ApiError> wrong_method;
  if (path == "/api/health" || path == "/metrics") {
    wrong_method = allow({"GET", "HEAD"});
  } else if (path == "/api/messages" || path.empty()) {
    wrong_method = allow({"GET", "HEAD", "POST"});
  } else if (path == "/api/me") {
    wrong_method = allow({"GET", "HEAD"});
  } else if (path.starts_with(kOne)) {
    wrong_method = allow({"GET", "HEAD", "PATCH", "DELETE"});
  } else {
    return Reject(MakeError(ErrorCode::kNotFound, "There is no such API endpoint."), log);
  }
  if (wrong_method) return Reject(*wrong_method, log);
  if (path == "/api/health") return Health(log, head);
  if (path == "/metrics") return Metrics(log, head);

  auto caller = authenticator_.Identify(exchange, common::WallMs() / 1000);
  if (!caller) return Reject(caller.error(), log);
  if (*caller) log.User((*caller)->user_id);
  if (path == "/api/me") return Me(*caller, head);
  if (path.starts_with(kOne)) {
    return OneMessage(exchange, std::string_view(path).substr(kOne.size()), *caller, log);
  }
  return method == "POST" ? Post(exchange, *caller, log) : History(exchange, *caller, log, head);
}

void MessagesService::Serve(web::Exchange& exchange) {
  const int64_t started_us = common::MonotonicUs();
  LogLine log(common::WallMs(), "messages", getpid(), ++requests_);
  const std::string path = RequestPath(exchange);
  log.Method(exchange.Param("REQUEST_METHOD")).Path(path);
  // Without a path (a bare CGI call) the program is the messages endpoint.
  const Response response = Route(exchange, path, log);
  exchange.Write(response.head_and_body);
  exchange.Flush();
  const int64_t elapsed_us = common::MonotonicUs() - started_us;
  const metrics::Endpoint endpoint = EndpointOf(path, exchange.Param("REQUEST_METHOD"));
  if (!OptionalParam(exchange, "CHAT_UNAVAILABLE")) metrics_.Request(endpoint, response.status);
  if (endpoint == metrics::Endpoint::kPost) metrics_.PostLatency(elapsed_us);
  log.Status(response.status).DurationMs(elapsed_us / 1000);
  std::fputs(log.Finish().c_str(), stderr);
}

}  // namespace chat::app
