#include "chat/web/worker.h"

#include <fcgiapp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "chat/web/cgi_exchange.h"
#include "chat/web/fcgi_exchange.h"
#include "chat/web/process_signals.h"
#include "common/ip_literal.h"
#include "common/unix_listener.h"

namespace chat::web {
namespace {

// Tells chat-pool (when it started us) whether this worker is busy or idle.
// One byte per note on an inherited pipe; without the pool it does nothing.
class PoolNotes {
 public:
  PoolNotes() {
    if (const char* fd = std::getenv("CHAT_POOL_STATUS_FD")) {
      int value = 0;
      auto [end, ec] = std::from_chars(fd, fd + std::strlen(fd), value);
      if (ec == std::errc() && *end == '\0' && value > 2) fd_ = value;
    }
  }
  void Busy() const { Note('B'); }
  void Idle() const { Note('I'); }

 private:
  void Note(char note) const {
    if (fd_ >= 0) (void)!write(fd_, &note, 1);
  }
  int fd_ = -1;
};

// Finishes an accepted request on every path out of the handler.
class AcceptedRequest {
 public:
  explicit AcceptedRequest(FCGX_Request* request) : request_(request) {}
  ~AcceptedRequest() { FCGX_Finish_r(request_); }
  AcceptedRequest(const AcceptedRequest&) = delete;
  AcceptedRequest& operator=(const AcceptedRequest&) = delete;

 private:
  FCGX_Request* request_;
};

std::expected<common::UniqueFd, std::string> ListenTcp(const std::string& spec) {
  size_t colon = spec.rfind(':');
  std::string port_text = spec.substr(colon + 1);
  uint16_t port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1) {
    return std::unexpected("invalid port in --socket " + spec);
  }
  auto address = common::ParseIpLiteral(spec.substr(0, colon), port);
  if (!address) {
    return std::unexpected("invalid address in --socket " + spec + " (expected an IP literal)");
  }
  common::UniqueFd fd(socket(address->family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  int one = 1;
  if (!fd.valid() || setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(fd.get(), address->get(), address->length) != 0 || listen(fd.get(), 1024) != 0) {
    return std::unexpected("cannot listen on " + spec + ": " + std::strerror(errno));
  }
  return fd;
}

}  // namespace

std::expected<common::UniqueFd, std::string> OpenListenSocket(const std::string& spec) {
  if (spec.empty()) return std::unexpected(std::string("empty --socket"));
  if (spec.front() == '/' || spec.front() == '.' || spec.find(':') == std::string::npos) {
    return common::ListenUnix(spec, 1024, std::nullopt);
  }
  return ListenTcp(spec);
}

std::expected<std::string, std::string> ParseWorkerArgs(int argc, char** argv, bool* help) {
  *help = false;
  std::string socket;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
    } else if (arg == "--socket" && i + 1 < argc) {
      socket = argv[++i];
    } else if (arg.rfind("--socket=", 0) == 0) {
      socket = arg.substr(9);
    } else {
      return std::unexpected("unknown argument \"" + arg + "\" (see --help)");
    }
  }
  return socket;
}

int RunWorker(const WorkerOptions& options, const Handler& handler) {
  const StopHandlers stop_handlers;
  if (FCGX_Init() != 0) {
    std::fprintf(stderr, "%s: cannot initialise libfcgi\n", options.program.c_str());
    return 1;
  }
  common::UniqueFd own_socket;
  int listen_fd = 0;
  if (!options.socket.empty()) {
    auto opened = OpenListenSocket(options.socket);
    if (!opened) {
      std::fprintf(stderr, "%s: %s\n", options.program.c_str(), opened.error().c_str());
      return 1;
    }
    own_socket = std::move(*opened);
    listen_fd = own_socket.get();
  } else if (FCGX_IsCGI()) {
    CgiExchange exchange(STDIN_FILENO, STDOUT_FILENO);
    handler(exchange);
    exchange.Flush();
    return 0;
  }

  FCGX_Request request;
  if (FCGX_InitRequest(&request, listen_fd, 0) != 0) {
    std::fprintf(stderr, "%s: cannot initialise the FastCGI request\n", options.program.c_str());
    return 1;
  }
  PoolNotes pool;
  for (int64_t served = 0; served < options.max_requests && !StopRequested(); ++served) {
    SetIdle(true);
    if (StopRequested()) break;  // the signal came while the last request ended
    int accepted = FCGX_Accept_r(&request);
    SetIdle(false);
    if (accepted < 0) break;  // the listening socket failed
    pool.Busy();
    {
      AcceptedRequest finish(&request);
      FcgiExchange exchange(&request);
      handler(exchange);
    }
    pool.Idle();
  }
  FCGX_Free(&request, 1);
  return 0;
}

}  // namespace chat::web
