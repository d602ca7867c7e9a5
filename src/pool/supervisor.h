// chat-pool's I/O shell around PoolPolicy: owns the listening socket, forks
// workers (socket on fd 0, status pipe on fd 3) that either exec the pool's
// command or, given a WorkerEntry, run it in the forked process, reads their
// busy/idle notes, reaps them, handles SIGTERM/SIGINT (graceful stop) and
// SIGHUP (graceful replacement; with built-in workers the pool also execs
// its program again, keeping its PID and socket), and publishes its state.
// Thread-safety: single-threaded; one per process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "chat/metrics/recorder.h"
#include "common/unique_fd.h"
#include "pool/pool_options.h"
#include "pool/pool_policy.h"

namespace pool {

// Workers find the write end of their status pipe in this variable.
inline constexpr const char* kStatusFdVariable = "CHAT_POOL_STATUS_FD";
inline constexpr int kWorkerStatusFd = 3;
// A pool that execs itself again (SIGHUP with built-in workers) finds its
// listening socket's descriptor in this variable.
inline constexpr const char* kListenFdVariable = "CHAT_POOL_LISTEN_FD";

// The worker's main, run in the forked child instead of exec'ing a command;
// its result is the child's exit status. A worker started this way shares
// with its siblings every page the pool process had before forking:
// relocated libraries, the driver's initialised state, the configuration.
using WorkerEntry = std::function<int()>;

class Supervisor {
 public:
  // `metrics` (optional) receives the pool's state and its workers' starts
  // and exits; it must outlive the supervisor.
  explicit Supervisor(PoolOptions options, WorkerEntry entry = nullptr,
                      chat::metrics::Recorder* metrics = nullptr)
      : options_(std::move(options)),
        entry_(std::move(entry)),
        metrics_(metrics),
        policy_(options_.limits) {}
  // Returns the process exit status.
  int Run();

 private:
  bool Setup();
  bool AdoptInheritedSocket();
  bool SetupSignals();
  void Reexec();
  void Spawn(int64_t now_ms);
  void ReapChildren(int64_t now_ms);
  void ReadStatus(pid_t pid, int64_t now_ms);
  void Apply(int64_t now_ms);
  void BeginStop();
  // Logs a change of state and rewrites the status file when it changed.
  void Publish(const char* event, pid_t pid);
  std::string StatusJson() const;

  PoolOptions options_;
  WorkerEntry entry_;
  chat::metrics::Recorder* metrics_;
  PoolPolicy policy_;
  common::UniqueFd listen_fd_;
  common::UniqueFd signal_fd_;
  common::UniqueFd epoll_fd_;
  std::map<pid_t, common::UniqueFd> status_pipes_;
  std::map<int, pid_t> pid_by_pipe_;
  bool stopping_ = false;
  int64_t stop_deadline_ms_ = 0;
  int64_t spawned_ = 0;
  int64_t crashes_ = 0;
  int64_t next_check_ms_ = -1;
  std::string last_published_;
};

}  // namespace pool
