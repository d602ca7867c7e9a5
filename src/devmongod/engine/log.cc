#include "devmongod/engine/log.h"

#include <cstdio>

namespace devmongod {

void LogLine(LogLevel level, std::string_view message, std::string_view fields) {
  std::string line = "devmongod level=";
  line += level == LogLevel::kInfo ? "info" : level == LogLevel::kWarn ? "warn" : "error";
  line += " msg=\"";
  for (char c : message) {
    if (c == '"' || c == '\\') line += '\\';
    line += (c == '\n' || c == '\r') ? ' ' : c;
  }
  line += '"';
  if (!fields.empty()) {
    line += ' ';
    line += fields;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace devmongod
