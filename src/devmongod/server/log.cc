#include "devmongod/server/log.h"

#include <cstdio>
#include <string>

namespace devmongod::server {

void LogLine(LogLevel level, uint64_t connection_id, std::string_view message) {
  std::string line = "devmongod level=";
  line += level == LogLevel::kInfo ? "info" : level == LogLevel::kWarn ? "warn" : "error";
  if (connection_id != 0) line += " conn=" + std::to_string(connection_id);
  line += " msg=\"";
  for (char c : message) {
    // Keep one event per line whatever a client managed to put in an error.
    if (c == '"' || c == '\\') line += '\\';
    line += (c == '\n' || c == '\r') ? ' ' : c;
  }
  line += "\"\n";
  std::fputs(line.c_str(), stderr);
}

}  // namespace devmongod::server
