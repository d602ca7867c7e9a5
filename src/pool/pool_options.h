// chat-pool's command line: one table drives parsing and --help.
#pragma once

#include <sys/types.h>

#include <expected>
#include <string>
#include <vector>

#include "common/cpu_policy.h"
#include "pool/pool_policy.h"

namespace pool {

struct PoolOptions {
  std::string name;         // for logs and the status file (default: program's basename)
  std::string socket_path;  // the listening Unix socket the pool creates
  mode_t socket_mode = 0660;
  std::string socket_group;         // "" = the pool's own group
  int backlog = 0;                  // 0 = max(--max-workers, 64)
  std::string status_file;          // "" = none
  int64_t stop_timeout_ms = 30000;  // SIGTERM: how long busy workers may take before SIGKILL
  PolicyLimits limits;
  common::CpuPolicy cpu_policy =
      common::CpuPolicy::kBatch;  // the pool's, inherited by every worker
  // The program and its arguments (after "--"); for built-in workers only
  // the program itself, for logs and the default name.
  std::vector<std::string> command;
  // Built-in workers: the pool's own command line, which SIGHUP execs again
  // (so an upgraded binary takes over); empty for chat-pool.
  std::vector<std::string> reexec_argv;
  bool show_help = false;
};

// Whether the pool runs a program given after "--" (chat-pool) or a worker
// built into the program that parses the options (`stream-messages --pool`).
enum class WorkerSource { kCommand, kBuiltIn };

// argv[0] names the program; options start at argv[1].
std::expected<PoolOptions, std::string> ParsePoolOptions(
    int argc, char** argv, WorkerSource source = WorkerSource::kCommand);
// `usage` is the first line, e.g. "usage: chat-pool --socket PATH [options] -- PROGRAM".
std::string PoolHelpText(const std::string& usage);

}  // namespace pool
