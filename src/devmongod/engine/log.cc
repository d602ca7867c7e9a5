#include "devmongod/engine/log.h"

#include <cstdio>
#include <string>

namespace devmongod {

void LogLine(std::string_view level, std::string_view message, std::string_view fields) {
  std::string line = "devmongod level=";
  line += level;
  line += " msg=\"";
  for (char c : message) line += c == '"' ? '\'' : c;
  line += '"';
  if (!fields.empty()) {
    line += ' ';
    line += fields;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace devmongod
