// What every request handler of a worker process shares, built once per
// process (before a pool forks its workers, so they share it too).
#pragma once

#include "chat/app/authenticator.h"
#include "chat/core/config.h"
#include "chat/metrics/recorder.h"

namespace chat::app {

struct WorkerContext {
  const Config& config;
  const Authenticator& authenticator;
  // The program's metrics, shared with its pool and its other workers
  // through the metrics file (metrics/recorder.h).
  metrics::Recorder& metrics;
};

}  // namespace chat::app
