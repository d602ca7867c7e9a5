#include "chat/web/worker.h"

#include <arpa/inet.h>
#include <fcgiapp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "chat/web/cgi_exchange.h"
#include "chat/web/fcgi_exchange.h"
#include "chat/web/process_signals.h"

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

std::string ErrnoText(const char* what, const std::string& where) {
  return std::string(what) + " " + where + ": " + std::strerror(errno);
}

std::expected<UniqueFd, std::string> ListenUnix(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return std::unexpected("socket path too long: " + path);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return std::unexpected(ErrnoText("cannot create socket for", path));
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd.get(), 1024) != 0) {
    return std::unexpected(ErrnoText("cannot listen on", path));
  }
  return fd;
}

std::expected<UniqueFd, std::string> ListenTcp(const std::string& spec) {
  size_t colon = spec.rfind(':');
  std::string host = spec.substr(0, colon);
  std::string port_text = spec.substr(colon + 1);
  int port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
    return std::unexpected("invalid port in --socket " + spec);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  sockaddr_storage storage{};
  socklen_t len = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v6;
  } else {
    return std::unexpected("invalid address in --socket " + spec + " (expected an IP literal)");
  }
  UniqueFd fd(socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return std::unexpected(ErrnoText("cannot create socket for", spec));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), len) != 0 ||
      listen(fd.get(), 1024) != 0) {
    return std::unexpected(ErrnoText("cannot listen on", spec));
  }
  return fd;
}

}  // namespace

std::expected<UniqueFd, std::string> OpenListenSocket(const std::string& spec) {
  if (spec.empty()) return std::unexpected(std::string("empty --socket"));
  if (spec.front() == '/' || spec.front() == '.' || spec.find(':') == std::string::npos) {
    return ListenUnix(spec);
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
  InstallStopHandlers();
  if (FCGX_Init() != 0) {
    std::fprintf(stderr, "%s: cannot initialise libfcgi\n", options.program.c_str());
    return 1;
  }
  UniqueFd own_socket;
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
