// devmongod's log lines on stderr, logfmt style:
//   devmongod level=warn conn=7 msg="closing connection: bad length"
// Thread-safety: each line is one fputs of a complete line (stdio locks the stream).
#pragma once

#include <cstdint>
#include <string_view>

namespace devmongod::server {

enum class LogLevel { kInfo, kWarn, kError };

// `connection_id` 0 means "not about a connection" and is omitted.
void LogLine(LogLevel level, uint64_t connection_id, std::string_view message);

}  // namespace devmongod::server
