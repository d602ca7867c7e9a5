// Resident memory of a process from /proc/<pid>/smaps_rollup, for tests and
// benchmarks that bound memory per connection.
// Thread-safety: a free function.
#pragma once

#include <sys/types.h>

#include <optional>

namespace test_support {

struct ProcessMemory {
  long rss_kb = 0;
  long pss_kb = 0;
};

// nullopt if the file cannot be read (no such process, no permission).
std::optional<ProcessMemory> ReadProcessMemory(pid_t pid);

}  // namespace test_support
