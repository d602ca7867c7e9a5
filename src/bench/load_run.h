// One chat-load run: opens the streams at once (a connect storm), waits for
// their response heads, then posts at the requested rate while the streams
// read (optionally dropping and resuming them), waits for stragglers, and
// summarises. Everything happens in one epoll loop in one thread, bounded by
// --max-seconds.
//
// Thread-safety: RunLoad is a blocking call with no shared state.
#pragma once

#include <expected>
#include <string>

#include "bench/load_options.h"

namespace bench {

// The JSON summary of the run, or why it could not start.
std::expected<std::string, std::string> RunLoad(const LoadOptions& options);

}  // namespace bench
