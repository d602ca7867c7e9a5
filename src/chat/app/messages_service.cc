#include "chat/app/messages_service.h"

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "chat/app/request_info.h"
#include "chat/core/api_error.h"
#include "chat/core/http.h"
#include "chat/core/message.h"
#include "chat/core/message_id.h"
#include "chat/core/message_json.h"
#include "chat/core/query.h"
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

}  // namespace

db::ChatStore* MessagesService::Store(LogLine& log) {
  std::string error;
  db::ChatStore* store = store_.Get(&error);
  if (!store) log.Detail(error);
  return store;
}

MessagesService::Response MessagesService::DatabaseError(const db::DbError& error, LogLine& log) {
  log.Detail(error.KindName());
  if (error.kind == db::DbError::Kind::kUnavailable) store_.Forget();
  ApiError api = error.kind == db::DbError::Kind::kUnavailable
                     ? DatabaseUnavailable(RetryAfterSeconds(config_))
                     : MakeError(ErrorCode::kInternalError, "The database refused the operation.");
  log.Error(api.code);
  return {api.status(), ErrorResponse(api)};
}

MessagesService::Response MessagesService::Post(web::Exchange& exchange, LogLine& log) {
  auto reject = [&log](const ApiError& error) {
    log.Error(error.code);
    return Response{error.status(), ErrorResponse(error)};
  };
  if (auto error = CheckJsonContentType(OptionalParam(exchange, "CONTENT_TYPE")))
    return reject(*error);
  auto length = ParseContentLength(OptionalParam(exchange, "CONTENT_LENGTH"), kMaxPostBodyBytes);
  if (!length) return reject(length.error());
  std::string body;
  bool too_large = false;
  if (!exchange.ReadBody(kMaxPostBodyBytes, &body, &too_large)) {
    return reject(
        MakeError(ErrorCode::kInvalidJson, "The request body could not be read completely."));
  }
  if (too_large) return reject(PayloadTooLarge(kMaxPostBodyBytes));
  auto message = ValidatePostBody(body);
  if (!message) return reject(message.error());
  log.Room(message->room);

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
  bson_oid_t id;
  BsonPtr document;
  std::expected<void, db::DbError> inserted;
  // Equal ids need a concurrent post with the same key and the same random
  // bits; the unique _id index refuses the second, which then simply draws
  // again (its key still sorts after everything it read).
  for (int attempt = 0; attempt < 3; ++attempt) {
    id = ComposeMessageId(key, RandomIdBits());
    document = BuildMessageDocument(*message, id, OrderKeyMs(key));
    inserted = store->Insert(*document);
    if (inserted || inserted.error().kind != db::DbError::Kind::kDuplicateKey) break;
  }
  if (!inserted) return DatabaseError(inserted.error(), log);
  auto json = MessageJson(*document);
  if (!json)
    return reject(MakeError(ErrorCode::kInternalError, "The stored message cannot be shown."));
  return {201,
          JsonResponse(201, *json + "\n", {{"Location", "/api/messages/" + common::OidHex(id)}})};
}

MessagesService::Response MessagesService::History(web::Exchange& exchange, LogLine& log,
                                                   bool head_only) {
  auto params = ParseHistoryParams(exchange.Param("QUERY_STRING"));
  if (!params) {
    log.Error(params.error().code);
    return {params.error().status(), ErrorResponse(params.error())};
  }
  log.Room(params->room);
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

void MessagesService::Serve(web::Exchange& exchange) {
  const int64_t started = common::MonotonicMs();
  LogLine log(common::WallMs(), "messages", getpid(), ++requests_);
  std::string path = RequestPath(exchange);
  std::string_view method = exchange.Param("REQUEST_METHOD");
  log.Method(method).Path(path);

  Response response;
  auto method_error = [&](std::initializer_list<std::string_view> allowed) {
    auto error = CheckMethod(OptionalParam(exchange, "REQUEST_METHOD"), allowed);
    if (error) {
      log.Error(error->code);
      response = {error->status(), ErrorResponse(*error)};
    }
    return error.has_value();
  };
  // Without a path (a bare CGI call) the program is the messages endpoint.
  if (path == "/api/health") {
    if (!method_error({"GET", "HEAD"})) response = Health(log, method == "HEAD");
  } else if (path == "/api/messages" || path.empty()) {
    if (!method_error({"GET", "HEAD", "POST"})) {
      response = method == "POST" ? Post(exchange, log) : History(exchange, log, method == "HEAD");
    }
  } else {
    ApiError error = MakeError(ErrorCode::kNotFound, "There is no such API endpoint.");
    log.Error(error.code);
    response = {error.status(), ErrorResponse(error)};
  }
  exchange.Write(response.head_and_body);
  exchange.Flush();
  log.Status(response.status).DurationMs(common::MonotonicMs() - started);
  std::fputs(log.Finish().c_str(), stderr);
}

}  // namespace chat::app
