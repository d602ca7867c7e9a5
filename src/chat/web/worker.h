// The short-lived worker's main loop: accept FastCGI requests one at a time
// from the listening socket on fd 0 (or from --socket), hand each to the
// handler, and exit after `max_requests` or once SIGTERM arrived and the
// current request is done. Started as a plain CGI program (fd 0 is not a
// listening socket), it serves that single request through the same handler.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <string>

#include "chat/web/exchange.h"
#include "common/unique_fd.h"

namespace chat::web {

struct WorkerOptions {
  std::string program;  // for log lines
  int64_t max_requests = 1;
  std::string socket;  // "" = fd 0; "PATH" or "HOST:PORT" to listen ourselves
};

using Handler = std::function<void(Exchange& exchange)>;

// Returns the process exit status.
int RunWorker(const WorkerOptions& options, const Handler& handler);

// A listening socket for --socket: a Unix socket path (an existing socket
// file is replaced) or HOST:PORT (TCP, IPv4 or [IPv6]).
std::expected<common::UniqueFd, std::string> OpenListenSocket(const std::string& spec);

// Parses the workers' command line (--socket X, --help). Returns the socket
// spec, or an error line; sets *help when --help was asked for.
std::expected<std::string, std::string> ParseWorkerArgs(int argc, char** argv, bool* help);

}  // namespace chat::web
