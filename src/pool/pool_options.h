// chat-pool's command line: one table drives parsing and --help.
#pragma once

#include <sys/types.h>

#include <expected>
#include <string>
#include <vector>

#include "pool/pool_policy.h"

namespace chat::pool {

struct PoolOptions {
  std::string name;         // for logs and the status file (default: program's basename)
  std::string socket_path;  // the listening Unix socket the pool creates
  mode_t socket_mode = 0660;
  std::string socket_group;         // "" = the pool's own group
  int backlog = 0;                  // 0 = max(--max-workers, 64)
  std::string status_file;          // "" = none
  int64_t stop_timeout_ms = 30000;  // SIGTERM: how long busy workers may take before SIGKILL
  PolicyLimits limits;
  std::vector<std::string> command;  // program and its arguments (after "--")
  bool show_help = false;
};

std::expected<PoolOptions, std::string> ParsePoolOptions(int argc, char** argv);
std::string PoolHelpText();

}  // namespace chat::pool
