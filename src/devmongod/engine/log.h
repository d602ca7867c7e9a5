// devmongod's one kind of log line, on stderr, logfmt style:
//   devmongod level=warn msg="closing connection: bad length" conn=7
//   devmongod level=info msg="journal replayed" records=12 bytes=3456
// The message is quoted and escaped (one event per line whatever a client
// put into an error); `fields` are appended as given. Never pass document
// contents: only counts, names and reasons.
// Thread-safety: each line is one write of a complete line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace devmongod {

enum class LogLevel { kInfo, kWarn, kError };

void LogLine(LogLevel level, std::string_view message, std::string_view fields = {});

// "conn=N" for a line about one connection.
inline std::string ConnectionField(uint64_t connection_id) {
  return "conn=" + std::to_string(connection_id);
}

}  // namespace devmongod
