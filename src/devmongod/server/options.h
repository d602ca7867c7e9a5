// devmongod's command-line options: one table (name, default, validator,
// help line) from which both parsing and --help are derived, so a new option
// cannot be documented in one place and forgotten in the other.
// Thread-safety: pure functions over caller-owned values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>

#include "common/cpu_policy.h"

#include "devmongod/engine/engine.h"

namespace devmongod::server {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 27017;  // 0 = let the kernel pick a free port
  size_t max_connections = 10000;
  bool quiet = false;
  bool show_help = false;
  common::CpuPolicy cpu_policy = common::CpuPolicy::kBatch;
  // Filled by the table except `engine.advertise`, which defaults to
  // bind:actual-port and can only be computed once the socket is bound.
  EngineOptions engine;
};

// A rejected command line: the one line to print and the exit status (2).
struct OptionError {
  std::string message;
  int exit_code = 2;
};

// Parses argv[1..] ("--name value" or "--name=value").
std::expected<ServerOptions, OptionError> ParseOptions(std::span<const char* const> args);

// The --help text, generated from the option table.
std::string HelpText();

// One-line summary of the effective options for the start-up log.
std::string DescribeOptions(const ServerOptions& options);

}  // namespace devmongod::server
