// The decisions of chat-pool, a dynamic process manager for short-lived
// FastCGI workers, kept free of I/O so they can be tested with a fake clock.
//
// Workers tell the pool when they pick up a request ("busy") and when they
// are done with it ("idle") over a status pipe. The policy keeps at least
// `min_idle` workers waiting in accept(), never more than `max_workers` in
// all, retires idle extras after `idle_timeout_ms`, and backs off
// exponentially when workers die before serving anything (a crash loop), so a
// broken binary or configuration never turns into a fork storm. Under a rush
// the reserve follows demand: the pool keeps as many idle workers as took up
// a request in the last second (at least min_idle), so a storm of new
// streams is met by forks made in parallel rather than min_idle at a time;
// the extras retire after idle_timeout_ms as usual, so memory at rest stays
// what min_idle makes it.
// Thread-safety: single-threaded.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace pool {

struct PolicyLimits {
  int min_idle = 2;
  int max_workers = 16;
  int64_t idle_timeout_ms = 30000;
  int64_t crash_window_ms = 1000;  // dying sooner than this, having served nothing = a crash
  int64_t backoff_initial_ms = 100;
  int64_t backoff_max_ms = 30000;
};

enum class WorkerState { kStarting, kIdle, kBusy, kRetiring };

struct Counts {
  int idle = 0;  // starting workers count as idle: they will be in accept() in a moment
  int busy = 0;
  int retiring = 0;
  int total = 0;
};

struct Decision {
  int spawn = 0;               // how many workers to start now
  std::vector<pid_t> retire;   // idle workers to send SIGTERM
  int64_t next_check_ms = -1;  // when to ask again at the latest (-1: no timer needed)
};

// Why a worker ended, for the metrics: normal (told to go: retired idle,
// pool stopping or reloading), recycled (left by itself, having served its
// CHAT_MAX_REQUESTS), crashed (non-zero status, or a signal such as SIGSEGV
// or SIGABRT), killed (SIGKILL or SIGTERM it could not handle).
enum class ExitCause { kNormal, kRecycled, kCrashed, kKilled };

// `status` as waitpid(2) reports it; `told_to_go`: the pool had retired it.
ExitCause ClassifyExit(int status, bool told_to_go);

class PoolPolicy {
 public:
  explicit PoolPolicy(PolicyLimits limits) : limits_(limits) {}

  void OnSpawned(pid_t pid, int64_t now_ms);
  void OnBusy(pid_t pid, int64_t now_ms);
  void OnIdle(pid_t pid, int64_t now_ms);
  // Returns true when the exit counts as a crash (and so lengthens the back-off).
  bool OnExited(pid_t pid, bool clean_exit, int64_t now_ms);
  // Graceful replacement (SIGHUP): every current worker retires once idle;
  // fresh ones are spawned in their place.
  std::vector<pid_t> RetireAll();
  // Whether the pool has told this worker to go (retired, reloading).
  bool IsRetiring(pid_t pid) const;

  Decision Decide(int64_t now_ms);

  Counts counts() const;
  // How many idle workers the pool aims for now: min_idle, or the recent
  // demand when that is higher.
  int IdleTarget(int64_t now_ms);
  int64_t backoff_ms() const { return backoff_ms_; }
  int consecutive_crashes() const { return consecutive_crashes_; }

 private:
  struct Worker {
    WorkerState state = WorkerState::kStarting;
    int64_t started_ms = 0;
    int64_t idle_since_ms = 0;
    bool served = false;
  };

  PolicyLimits limits_;
  std::map<pid_t, Worker> workers_;
  std::deque<int64_t> recent_busy_ms_;  // when workers took up requests, last second
  int consecutive_crashes_ = 0;
  int64_t backoff_ms_ = 0;
  int64_t no_spawn_before_ms_ = 0;
};

}  // namespace pool
