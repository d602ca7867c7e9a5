// GET /api/stream-messages: one Server-Sent Events stream of a room's new
// messages, fed by a change stream this request opens for itself and closes
// when it ends (client gone, CHAT_STREAM_MAX_S reached, SIGTERM, the
// caller's token expired or a database failure, the last two reported as
// `event: error`). With authentication on, the caller must be allowed the
// room before the stream opens.
// Thread-safety: one service per worker process, one request at a time.
#pragma once

#include <cstdint>
#include <memory>

#include "chat/app/authenticator.h"
#include "chat/app/lazy_store.h"
#include "chat/app/stream_watch.h"
#include "chat/app/worker_context.h"
#include "chat/core/config.h"
#include "chat/web/exchange.h"

namespace chat::app {

class StreamService {
 public:
  explicit StreamService(const WorkerContext& context)
      : config_(context.config),
        authenticator_(context.authenticator),
        metrics_(context.metrics),
        store_(context.config, "stream-messages") {}
  void Serve(web::Exchange& exchange);

 private:
  // How long the caller's identity lasts (ms; -1: as long as the stream may).
  int64_t IdentityLeftMs(const std::optional<auth::Identity>& identity) const;

  const Config& config_;
  const Authenticator& authenticator_;
  metrics::Recorder& metrics_;
  LazyStore store_;
  std::unique_ptr<StreamWatch> watch_;  // started with the first stream
  uint64_t requests_ = 0;
};

}  // namespace chat::app
