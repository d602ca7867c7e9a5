#include "support/devmongod_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "common/unique_fd.h"

namespace test_support {
namespace {

constexpr std::string_view kReadyPrefix = "devmongod listening on ";

int64_t NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

struct Pipe {
  common::UniqueFd read;
  common::UniqueFd write;
};

std::expected<Pipe, std::string> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return std::unexpected(std::string("pipe2: ") + strerror(errno));
  return Pipe{common::UniqueFd(fds[0]), common::UniqueFd(fds[1])};
}

// fork + exec with the child's stdout (and optionally stderr) on pipes.
std::expected<pid_t, std::string> SpawnChild(const std::vector<std::string>& args, int stdout_fd,
                                             int stderr_fd) {
  std::vector<char*> argv;
  std::string path = DevMongodPath();
  argv.push_back(path.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return std::unexpected(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    // If the test binary dies (a ctest timeout kills it), take the server
    // along instead of leaving it listening. Note: this follows the forking
    // *thread*, so start servers from the test's own thread.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(stdout_fd, STDOUT_FILENO);
    if (stderr_fd >= 0) ::dup2(stderr_fd, STDERR_FILENO);
    // The test process may block signals (gtest does not, but be safe).
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid` up to `timeout_ms`; returns the wait status or nullopt.
std::optional<int> WaitFor(pid_t pid, int timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;  // already reaped elsewhere
    if (NowMs() >= deadline) return std::nullopt;
    ::usleep(10000);
  }
}

}  // namespace

std::string DevMongodPath() { return DEVMONGOD_PATH; }

std::expected<ProcessResult, std::string> RunDevMongodToCompletion(
    const std::vector<std::string>& args, int timeout_ms) {
  auto out = MakePipe();
  auto err = MakePipe();
  if (!out || !err) return std::unexpected("pipe failed");
  auto pid = SpawnChild(args, out->write.get(), err->write.get());
  if (!pid) return std::unexpected(pid.error());
  out->write.reset();
  err->write.reset();
  ProcessResult result;
  int64_t deadline = NowMs() + timeout_ms;
  pollfd fds[2] = {{out->read.get(), POLLIN, 0}, {err->read.get(), POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open = 2;
  while (open > 0) {
    int left = static_cast<int>(deadline - NowMs());
    if (left <= 0 || ::poll(fds, 2, left) <= 0) {
      if (errno == EINTR) continue;
      ::kill(*pid, SIGKILL);
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else {
        fds[i].fd = -1;
        --open;
      }
    }
  }
  auto status = WaitFor(*pid, DevMongod::kStopGraceMs);
  if (!status) {
    ::kill(*pid, SIGKILL);
    status = WaitFor(*pid, DevMongod::kStopGraceMs);
  }
  if (status && WIFEXITED(*status)) result.exit_code = WEXITSTATUS(*status);
  if (status && WIFSIGNALED(*status)) result.signal = WTERMSIG(*status);
  return result;
}

std::expected<std::unique_ptr<DevMongod>, std::string> DevMongod::Start(
    std::vector<std::string> extra_args) {
  std::unique_ptr<DevMongod> server(new DevMongod());
  if (const char* uri = std::getenv("MONGODB_URI"); uri != nullptr && *uri != '\0') {
    server->external_ = true;
    server->external_uri_ = uri;
    // mongodb://host:port[,more]/... : raw-socket tests use the first host.
    std::string_view rest(uri);
    if (auto scheme = rest.find("://"); scheme != std::string_view::npos) {
      rest.remove_prefix(scheme + 3);
    }
    if (auto at = rest.find('@'); at != std::string_view::npos && at < rest.find('/')) {
      rest.remove_prefix(at + 1);
    }
    rest = rest.substr(0, rest.find_first_of(",/?"));
    auto colon = rest.rfind(':');
    server->host_ = std::string(rest.substr(0, colon));
    unsigned port = 27017;
    if (colon != std::string_view::npos) {
      std::from_chars(rest.data() + colon + 1, rest.data() + rest.size(), port);
    }
    server->port_ = static_cast<uint16_t>(port);
    return server;
  }
  server->extra_args_ = std::move(extra_args);
  if (auto ok = server->Spawn(0); !ok) return std::unexpected(ok.error());
  return server;
}

DevMongod::~DevMongod() { Kill(); }

std::string DevMongod::HostPort() const { return host_ + ":" + std::to_string(port_); }

std::string DevMongod::Uri(std::string_view extra_params) const {
  std::string uri;
  if (external_) {
    uri = external_uri_;
    if (!extra_params.empty()) {
      if (uri.find('?') == std::string::npos) {
        uri += uri.find('/', uri.find("://") + 3) == std::string::npos ? "/?" : "?";
      } else {
        uri += "&";
      }
    }
  } else {
    uri = "mongodb://" + HostPort() + "/?replicaSet=rs0";
    if (!extra_params.empty()) uri += "&";
  }
  return uri + std::string(extra_params);
}

std::expected<void, std::string> DevMongod::Spawn(uint16_t port) {
  auto out = MakePipe();
  if (!out) return std::unexpected(out.error());
  std::vector<std::string> args = {"--port", std::to_string(port)};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  auto pid = SpawnChild(args, out->write.get(), -1);  // stderr: the test's log
  if (!pid) return std::unexpected(pid.error());
  pid_ = *pid;
  out->write.reset();

  std::string line;
  int64_t deadline = NowMs() + kReadyTimeoutMs;
  while (line.find('\n') == std::string::npos) {
    pollfd p{out->read.get(), POLLIN, 0};
    int left = static_cast<int>(deadline - NowMs());
    if (left <= 0) {
      Kill();
      return std::unexpected("devmongod did not print its ready line within 10 s");
    }
    if (::poll(&p, 1, left) <= 0) continue;
    char buf[256];
    ssize_t n = ::read(out->read.get(), buf, sizeof(buf));
    if (n <= 0) {
      auto status = WaitFor(pid_, kStopGraceMs);
      pid_ = -1;
      return std::unexpected("devmongod exited before it was ready (status " +
                             std::to_string(status ? *status : -1) + ")");
    }
    line.append(buf, static_cast<size_t>(n));
  }
  line.resize(line.find('\n'));
  if (!line.starts_with(kReadyPrefix)) {
    Kill();
    return std::unexpected("unexpected ready line: " + line);
  }
  std::string host_port = line.substr(kReadyPrefix.size());
  auto colon = host_port.rfind(':');
  unsigned actual = 0;
  std::from_chars(host_port.data() + colon + 1, host_port.data() + host_port.size(), actual);
  host_ = host_port.substr(0, colon);
  port_ = static_cast<uint16_t>(actual);
  return {};
}

std::expected<int, std::string> DevMongod::Stop() { return SignalAndWait(SIGTERM, kStopGraceMs); }

std::expected<int, std::string> DevMongod::SignalAndWait(int signal, int timeout_ms) {
  if (external_) return std::unexpected("cannot signal an external server");
  if (pid_ <= 0) return std::unexpected("not running");
  ::kill(pid_, signal);
  auto status = WaitFor(pid_, timeout_ms);
  if (!status) {
    Kill();
    return std::unexpected("devmongod did not exit within " + std::to_string(timeout_ms) +
                           " ms of signal " + std::to_string(signal) + "; killed");
  }
  pid_ = -1;
  if (WIFEXITED(*status)) return WEXITSTATUS(*status);
  return std::unexpected("devmongod died of signal " + std::to_string(WTERMSIG(*status)));
}

void DevMongod::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  WaitFor(pid_, kStopGraceMs);
  pid_ = -1;
}

std::expected<void, std::string> DevMongod::Restart() {
  if (external_) return std::unexpected("cannot restart an external server");
  if (pid_ > 0) return std::unexpected("still running; Stop() or Kill() first");
  return Spawn(port_);
}

}  // namespace test_support
