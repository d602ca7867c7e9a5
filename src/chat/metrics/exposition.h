// The Prometheus text exposition format (version 0.0.4) of the chat's
// metrics, built from snapshots of the programs' blocks. Names follow
// Prometheus' conventions (`_total` counters, base units `_seconds` and
// `_bytes`); labels have small fixed value sets (never rooms or users).
//
//   chat_http_requests_total{program,endpoint,code}       counter
//   chat_post_duration_seconds                            histogram (POST /api/messages)
//   chat_stream_duration_seconds                          histogram (one SSE stream)
//   chat_streams_open                                     gauge
//   chat_sse_events_total{kind}                           counter
//   chat_sse_bytes_total                                  counter
//   chat_stream_resumes_total{outcome}                    counter
//   chat_database_errors_total{program,kind}              counter
//   chat_change_stream_reopens_total                      counter
//   chat_pool_workers{pool,state}                         gauge (idle, busy)
//   chat_pool_max_workers{pool}                           gauge
//   chat_pool_workers_spawned_total{pool}                 counter
//   chat_pool_workers_exited_total{pool,cause}            counter
//   chat_pool_rejected_total{pool}                        counter (pool full: nginx's 503)
//
// Thread-safety: pure function.
#pragma once

#include <span>
#include <string>

#include "chat/metrics/metrics_block.h"

namespace chat::metrics {

std::string RenderExposition(std::span<const Snapshot> snapshots);

}  // namespace chat::metrics
