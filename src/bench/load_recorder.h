// What one chat-load run measured: counters and latency samples shared by
// the stream and post connections of one event loop.
//
// Thread-safety: none; chat-load is single-threaded by design (one epoll loop).
#pragma once

#include <cstdint>

#include "bench/latency_stats.h"

namespace bench {

struct StreamCounters {
  uint64_t connect_errors = 0;   // connect() or the socket failed before a response head
  uint64_t http_errors = 0;      // a response head with a status other than 200
  uint64_t status_503 = 0;       // of those, the pool was full
  uint64_t protocol_errors = 0;  // malformed HTTP framing
  uint64_t drops = 0;            // the server ended a stream we had not asked to end
  uint64_t reconnects = 0;       // streams reopened with Last-Event-ID
  uint64_t retries = 0;          // tried again after a 503 before ever opening
  uint64_t events = 0;           // SSE events dispatched (any type)
  uint64_t comments = 0;         // comment lines (keepalives)
  uint64_t resets = 0;           // event: reset
  uint64_t error_events = 0;     // event: error
  uint64_t delivered = 0;        // distinct probes received, summed over streams
  uint64_t duplicates = 0;       // probes a stream had already received
  uint64_t foreign = 0;          // messages that were not this run's probes
};

struct PostCounters {
  uint64_t sent = 0;
  uint64_t ok = 0;      // 201
  uint64_t failed = 0;  // any other status or a broken connection
  uint64_t status_429 = 0;
  uint64_t reconnects = 0;
};

struct LoadRecorder {
  StreamCounters streams;
  PostCounters posts;
  LatencyStats delivery;  // post send -> message received on a stream
  // Connect start -> response head, first connection only: ttfb when the
  // stream opened (200), ttfb_refused for any other answer (a full pool's 503).
  LatencyStats ttfb;
  LatencyStats ttfb_refused;
  LatencyStats ready;  // first connect -> first 200 head (includes 503 retries)
  LatencyStats post;   // request written -> full response read
};

}  // namespace bench
