// The `messages` FastCGI program's endpoints:
//   POST /api/messages              post a message
//   GET  /api/messages              a room's history page
//   GET|PATCH|DELETE /api/messages/{id}   read, edit, (soft) delete one message
//   GET  /api/me                    who the caller is (authenticator.h)
//   GET  /api/health                the database answers
//   GET  /metrics                   Prometheus metrics of both programs
// and the 503 nginx sends when a pool is full, which it routes here to be
// counted (CHAT_UNAVAILABLE, CHAT_LIMIT_CONN).
// Thread-safety: one service per worker process, one request at a time.
#pragma once

#include <cstdint>
#include <optional>

#include "chat/app/authenticator.h"
#include "chat/app/lazy_store.h"
#include "chat/app/worker_context.h"
#include "chat/core/config.h"
#include "chat/core/log_line.h"
#include "chat/web/exchange.h"

namespace chat::app {

class MessagesService {
 public:
  explicit MessagesService(const WorkerContext& context)
      : config_(context.config),
        authenticator_(context.authenticator),
        metrics_(context.metrics),
        store_(context.config, "messages") {}
  void Serve(web::Exchange& exchange);

 private:
  struct Response {
    int status = 200;
    std::string head_and_body;
  };
  // The caller, once identified (nullopt: anonymous, authentication off).
  using Caller = std::optional<auth::Identity>;

  Response Route(web::Exchange& exchange, const std::string& path, LogLine& log);
  Response Post(web::Exchange& exchange, const Caller& caller, LogLine& log);
  Response History(web::Exchange& exchange, const Caller& caller, LogLine& log, bool head_only);
  Response OneMessage(web::Exchange& exchange, std::string_view id_text, const Caller& caller,
                      LogLine& log);
  Response Change(web::Exchange& exchange, const bson_oid_t& id, const Caller& caller,
                  LogLine& log);
  Response Me(const Caller& caller, bool head_only);
  Response Health(LogLine& log, bool head_only);
  Response Metrics(LogLine& log, bool head_only);
  Response PoolFull(web::Exchange& exchange, LogLine& log);
  db::ChatStore* Store(LogLine& log);
  Response DatabaseError(const db::DbError& error, LogLine& log);
  static Response Reject(const ApiError& error, LogLine& log);

  const Config& config_;
  const Authenticator& authenticator_;
  metrics::Recorder& metrics_;
  LazyStore store_;
  bool indexes_ensured_ = false;
  uint64_t requests_ = 0;
};

}  // namespace chat::app
