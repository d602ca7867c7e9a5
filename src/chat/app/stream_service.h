// GET /api/stream-messages: one Server-Sent Events stream of a room's new
// messages, fed by a change stream this request opens for itself and closes
// when it ends (client gone, CHAT_STREAM_MAX_S reached, SIGTERM, or a
// database failure reported as `event: error`).
// Thread-safety: one service per worker process, one request at a time.
#pragma once

#include <cstdint>
#include <memory>

#include "chat/app/lazy_store.h"
#include "chat/app/stream_watch.h"
#include "chat/core/config.h"
#include "chat/web/exchange.h"

namespace chat::app {

class StreamService {
 public:
  explicit StreamService(const Config& config)
      : config_(config), store_(config, "stream-messages") {}
  void Serve(web::Exchange& exchange);

 private:
  const Config& config_;
  LazyStore store_;
  std::unique_ptr<StreamWatch> watch_;  // started with the first stream
  uint64_t requests_ = 0;
};

}  // namespace chat::app
