// POST and GET /api/messages (post a message, read a room's history page)
// and GET /api/health, served by the `messages` FastCGI program.
// Thread-safety: one service per worker process, one request at a time.
#pragma once

#include <cstdint>

#include "chat/app/lazy_store.h"
#include "chat/core/config.h"
#include "chat/core/log_line.h"
#include "chat/web/exchange.h"

namespace chat::app {

class MessagesService {
 public:
  explicit MessagesService(const Config& config) : config_(config), store_(config, "messages") {}
  void Serve(web::Exchange& exchange);

 private:
  struct Response {
    int status = 200;
    std::string head_and_body;
  };

  Response Post(web::Exchange& exchange, LogLine& log);
  Response History(web::Exchange& exchange, LogLine& log, bool head_only);
  Response Health(LogLine& log, bool head_only);
  db::ChatStore* Store(LogLine& log);
  Response DatabaseError(const db::DbError& error, LogLine& log);

  const Config& config_;
  LazyStore store_;
  bool indexes_ensured_ = false;
  uint64_t requests_ = 0;
};

}  // namespace chat::app
