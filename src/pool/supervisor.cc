#include "pool/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/cjson_ptr.h"
#include "common/clock.h"
#include "common/unix_listener.h"

namespace pool {
namespace {

using common::MonotonicMs;

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

// After a re-exec (see Reexec) the socket is already bound, listening and
// holding the connections that arrived meanwhile: keep it.
bool Supervisor::AdoptInheritedSocket() {
  const char* inherited = std::getenv(kListenFdVariable);
  if (!inherited) return false;
  const int fd = std::atoi(inherited);
  unsetenv(kListenFdVariable);  // not for the workers
  sockaddr_un addr{};
  socklen_t length = sizeof addr;
  struct stat st {};
  if (fd <= STDERR_FILENO || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode) ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0 ||
      addr.sun_family != AF_UNIX || options_.socket_path != addr.sun_path) {
    std::fprintf(stderr, "chat-pool name=%s event=inherited_socket_ignored fd=%s\n",
                 options_.name.c_str(), inherited);
    return false;
  }
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  listen_fd_.reset(fd);
  return true;
}

bool Supervisor::Setup() {
  if (AdoptInheritedSocket()) return SetupSignals();
  // A burst of requests the pool is allowed to serve waits here while
  // workers are forked, so the backlog holds a full pool's worth; requests
  // beyond the pool are nginx's to refuse (limit_conn), not the backlog's.
  const int backlog =
      options_.backlog > 0 ? options_.backlog : std::max(options_.limits.max_workers, 64);
  auto listening = common::ListenUnix(
      options_.socket_path, backlog,
      common::UnixSocketAccess{.mode = options_.socket_mode, .group = options_.socket_group});
  if (!listening) {
    std::fprintf(stderr, "chat-pool: %s\n", listening.error().c_str());
    return false;
  }
  listen_fd_ = std::move(*listening);
  return SetupSignals();
}

bool Supervisor::SetupSignals() {
  sigset_t set = HandledSignals();
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal_fd_.reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  epoll_fd_.reset(epoll_create1(EPOLL_CLOEXEC));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = signal_fd_.get();
  epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, signal_fd_.get(), &ev);
  return true;
}

void Supervisor::Spawn(int64_t now_ms) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    std::fprintf(stderr, "chat-pool name=%s event=spawn_failed error=\"%s\"\n",
                 options_.name.c_str(), std::strerror(errno));
    return;
  }
  common::UniqueFd read_end(pipe_fds[0]);
  common::UniqueFd write_end(pipe_fds[1]);
  std::vector<char*> argv;
  argv.reserve(options_.command.size() + 1);
  for (auto& arg : options_.command) argv.push_back(arg.data());
  argv.push_back(nullptr);

  std::fflush(nullptr);  // a forked worker must not write the pool's buffered output again
  pid_t pid = fork();
  if (pid < 0) {
    std::fprintf(stderr, "chat-pool name=%s event=spawn_failed error=\"%s\"\n",
                 options_.name.c_str(), std::strerror(errno));
    return;
  }
  if (pid == 0) {
    // Child: the listening socket becomes fd 0 (the FastCGI convention), the
    // status pipe fd 3, stdout goes to stderr (FastCGI output never uses it).
    sigset_t set = HandledSignals();
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    // Should the pool die without stopping its workers (SIGKILL, a crash),
    // they are told to finish their request and exit rather than linger.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (dup2(listen_fd_.get(), STDIN_FILENO) < 0 || dup2(write_end.get(), kWorkerStatusFd) < 0 ||
        dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
      _exit(127);
    }
    setenv(kStatusFdVariable, "3", 1);
    if (entry_) {
      // Without exec nothing closes on its own: drop the pool's descriptors
      // (its listening socket, signalfd, epoll, other workers' pipes).
      close_range(kWorkerStatusFd + 1, ~0U, 0);
      // exit, not _exit: the worker ends as a program returning from main
      // would (stdio flushed, libraries' exit handlers, leak checkers run).
      std::exit(entry_());
    }
    execv(argv[0], argv.data());
    std::fprintf(stderr, "chat-pool: cannot exec %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = read_end.get();
  epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, read_end.get(), &ev);
  pid_by_pipe_[read_end.get()] = pid;
  status_pipes_[pid] = std::move(read_end);
  policy_.OnSpawned(pid, now_ms);
  ++spawned_;
  if (metrics_) metrics_->PoolSpawned();
  Publish("spawn", pid);
}

void Supervisor::ReadStatus(pid_t pid, int64_t now_ms) {
  auto it = status_pipes_.find(pid);
  if (it == status_pipes_.end()) return;
  char notes[256];
  while (true) {
    ssize_t n = read(it->second.get(), notes, sizeof notes);
    if (n > 0) {
      for (ssize_t i = 0; i < n; ++i) {
        if (notes[i] == 'B') policy_.OnBusy(pid, now_ms);
        if (notes[i] == 'I') policy_.OnIdle(pid, now_ms);
      }
      continue;
    }
    if (n == 0) {  // the worker is exiting; its status is collected by SIGCHLD
      epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, it->second.get(), nullptr);
      pid_by_pipe_.erase(it->second.get());
      status_pipes_.erase(it);
    }
    return;
  }
}

void Supervisor::ReapChildren(int64_t now_ms) {
  while (true) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    ReadStatus(pid, now_ms);  // notes written just before exit
    if (auto it = status_pipes_.find(pid); it != status_pipes_.end()) {
      epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, it->second.get(), nullptr);
      pid_by_pipe_.erase(it->second.get());
      status_pipes_.erase(it);
    }
    bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (metrics_) {
      const ExitCause cause = ClassifyExit(status, stopping_ || policy_.IsRetiring(pid));
      metrics_->PoolExited(static_cast<chat::metrics::WorkerExit>(cause));
    }
    if (policy_.OnExited(pid, clean, now_ms)) {
      ++crashes_;
      std::fprintf(
          stderr, "chat-pool name=%s event=crash pid=%d status=%d consecutive=%d backoff_ms=%lld\n",
          options_.name.c_str(), pid, status, policy_.consecutive_crashes(),
          static_cast<long long>(policy_.backoff_ms()));
    }
    Publish(clean ? "exit" : "died", pid);
  }
}

void Supervisor::Apply(int64_t now_ms) {
  if (stopping_) return;
  Decision decision = policy_.Decide(now_ms);
  for (pid_t pid : decision.retire) {
    kill(pid, SIGTERM);
    Publish("retire", pid);
  }
  for (int i = 0; i < decision.spawn; ++i) Spawn(now_ms);
  next_check_ms_ = decision.next_check_ms;
}

// Built-in workers run the pool's own program image, so replacing them after
// an upgrade means replacing the pool's image too: the running workers are
// told to finish their requests and exit, then the pool execs its program
// again (same PID, so systemd and the workers' parent stay the same) and
// hands the listening socket over; connections wait in its backlog meanwhile.
// Should the exec fail, this image goes on with fresh workers.
void Supervisor::Reexec() {
  for (pid_t pid : policy_.RetireAll()) kill(pid, SIGTERM);
  Publish("reexec", 0);
  const int fd = listen_fd_.get();
  const int flags = fcntl(fd, F_GETFD);
  fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  setenv(kListenFdVariable, std::to_string(fd).c_str(), 1);
  std::vector<char*> argv;
  for (auto& arg : options_.reexec_argv) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  execvp(argv[0], argv.data());  // found as when the pool was started
  std::fprintf(stderr, "chat-pool name=%s event=reexec_failed error=\"%s\"\n",
               options_.name.c_str(), std::strerror(errno));
  unsetenv(kListenFdVariable);
  fcntl(fd, F_SETFD, flags);
}

void Supervisor::BeginStop() {
  if (stopping_) return;
  stopping_ = true;
  stop_deadline_ms_ = MonotonicMs() + options_.stop_timeout_ms;
  // No new connections: the socket disappears and nobody accepts any more
  // once the idle workers are gone.
  unlink(options_.socket_path.c_str());
  for (auto& [pid, pipe] : status_pipes_) kill(pid, SIGTERM);
  policy_.RetireAll();
  Publish("stopping", 0);
}

std::string Supervisor::StatusJson() const {
  const Counts c = policy_.counts();
  common::CjsonPtr status(cJSON_CreateObject());
  cJSON* s = status.get();
  cJSON_AddStringToObject(s, "name", options_.name.c_str());
  cJSON_AddNumberToObject(s, "pid", getpid());
  cJSON_AddNumberToObject(s, "busy", c.busy);
  cJSON_AddNumberToObject(s, "idle", c.idle);
  cJSON_AddNumberToObject(s, "retiring", c.retiring);
  cJSON_AddNumberToObject(s, "total", c.total);
  cJSON_AddNumberToObject(s, "min_idle", options_.limits.min_idle);
  cJSON_AddNumberToObject(s, "max_workers", options_.limits.max_workers);
  cJSON_AddNumberToObject(s, "spawned", static_cast<double>(spawned_));
  cJSON_AddNumberToObject(s, "crashes", static_cast<double>(crashes_));
  cJSON_AddNumberToObject(s, "backoff_ms", static_cast<double>(policy_.backoff_ms()));
  cJSON_AddBoolToObject(s, "stopping", stopping_);
  return common::PrintJson(*s) + "\n";
}

void Supervisor::Publish(const char* event, pid_t pid) {
  const std::string status = StatusJson();
  if (last_published_ == status && std::strcmp(event, "tick") == 0) return;
  const Counts c = policy_.counts();
  if (metrics_) metrics_->PoolState(c.idle, c.busy, options_.limits.max_workers, getpid());
  std::fprintf(stderr, "chat-pool name=%s event=%s pid=%d busy=%d idle=%d retiring=%d total=%d\n",
               options_.name.c_str(), event, pid, c.busy, c.idle, c.retiring, c.total);
  if (last_published_ == status) return;
  last_published_ = status;
  if (options_.status_file.empty()) return;
  std::string tmp = options_.status_file + ".tmp";
  if (FILE* f = std::fopen(tmp.c_str(), "w")) {
    std::fputs(status.c_str(), f);
    std::fclose(f);
    std::rename(tmp.c_str(), options_.status_file.c_str());
  }
}

int Supervisor::Run() {
  // Before the first fork: every worker inherits the policy.
  if (auto applied = common::ApplyCpuPolicy(options_.cpu_policy); !applied) {
    std::fprintf(stderr, "chat-pool: %s\n", applied.error().c_str());
    return 1;
  }
  if (!Setup()) return 1;
  std::fprintf(stderr,
               "chat-pool name=%s event=start socket=%s min_idle=%d max_workers=%d "
               "cpu_policy=%s\n",
               options_.name.c_str(), options_.socket_path.c_str(), options_.limits.min_idle,
               options_.limits.max_workers, common::CpuPolicyName(options_.cpu_policy).data());
  Apply(MonotonicMs());
  Publish("tick", 0);  // the status file exists from the start, even with no worker yet
  epoll_event events[64];
  while (!stopping_ || !status_pipes_.empty() || policy_.counts().total > 0) {
    int64_t now = MonotonicMs();
    int timeout = -1;
    if (next_check_ms_ >= 0) timeout = static_cast<int>(std::max<int64_t>(0, next_check_ms_ - now));
    if (stopping_) {
      if (now >= stop_deadline_ms_) {
        for (auto& [pid, pipe] : status_pipes_) kill(pid, SIGKILL);
        stop_deadline_ms_ = now + 60000;  // SIGKILL is final; just wait for the reaping
      }
      timeout = static_cast<int>(std::min<int64_t>(timeout < 0 ? 1000 : timeout,
                                                   std::max<int64_t>(0, stop_deadline_ms_ - now)));
    }
    int n = epoll_wait(epoll_fd_.get(), events, 64, timeout);
    now = MonotonicMs();
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == signal_fd_.get()) {
        signalfd_siginfo info{};
        while (read(signal_fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
          if (info.ssi_signo == SIGCHLD) ReapChildren(now);
          if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) BeginStop();
          if (info.ssi_signo == SIGHUP && !stopping_ && !options_.reexec_argv.empty()) {
            Reexec();
          } else if (info.ssi_signo == SIGHUP && !stopping_) {
            for (pid_t pid : policy_.RetireAll()) kill(pid, SIGTERM);
            Publish("reload", 0);
          }
        }
      } else if (auto it = pid_by_pipe_.find(fd); it != pid_by_pipe_.end()) {
        pid_t pid = it->second;
        ReadStatus(pid, now);
      }
    }
    ReapChildren(now);
    Publish("tick", 0);
    Apply(now);
  }
  unlink(options_.socket_path.c_str());
  if (metrics_) metrics_->PoolState(0, 0, options_.limits.max_workers, 0);  // no pool now
  std::fprintf(stderr, "chat-pool name=%s event=stopped\n", options_.name.c_str());
  return 0;
}

}  // namespace pool
