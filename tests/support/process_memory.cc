#include "support/process_memory.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace test_support {

std::optional<ProcessMemory> ReadProcessMemory(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  if (!in) return std::nullopt;
  ProcessMemory memory;
  bool rss = false, pss = false;
  std::string line;
  // The first line names the address range; fields follow as "Rss:  123 kB".
  while (std::getline(in, line)) {
    std::string_view view(line);
    if (view.starts_with("Rss:")) {
      memory.rss_kb = std::strtol(line.c_str() + 4, nullptr, 10);
      rss = true;
    } else if (view.starts_with("Pss:")) {
      memory.pss_kb = std::strtol(line.c_str() + 4, nullptr, 10);
      pss = true;
    }
  }
  if (!rss || !pss) return std::nullopt;
  return memory;
}

}  // namespace test_support
