#include "pool/pool_policy.h"

#include <sys/wait.h>

#include <csignal>

#include <algorithm>

namespace pool {

void PoolPolicy::OnSpawned(pid_t pid, int64_t now_ms) {
  Worker worker;
  worker.started_ms = now_ms;
  worker.idle_since_ms = now_ms;
  workers_[pid] = worker;
}

void PoolPolicy::OnBusy(pid_t pid, int64_t now_ms) {
  auto it = workers_.find(pid);
  if (it == workers_.end()) return;
  recent_busy_ms_.push_back(now_ms);
  it->second.served = true;
  if (it->second.state != WorkerState::kRetiring) it->second.state = WorkerState::kBusy;
  // A worker that got as far as serving a request proves the program starts.
  consecutive_crashes_ = 0;
  backoff_ms_ = 0;
}

void PoolPolicy::OnIdle(pid_t pid, int64_t now_ms) {
  auto it = workers_.find(pid);
  if (it == workers_.end() || it->second.state == WorkerState::kRetiring) return;
  it->second.state = WorkerState::kIdle;
  it->second.idle_since_ms = now_ms;
}

bool PoolPolicy::OnExited(pid_t pid, bool clean_exit, int64_t now_ms) {
  auto it = workers_.find(pid);
  if (it == workers_.end()) return false;
  Worker worker = it->second;
  workers_.erase(it);
  bool crashed = !worker.served && worker.state != WorkerState::kRetiring &&
                 (!clean_exit || now_ms - worker.started_ms < limits_.crash_window_ms);
  if (!crashed) return false;
  ++consecutive_crashes_;
  backoff_ms_ = limits_.backoff_initial_ms;
  for (int i = 1; i < consecutive_crashes_ && backoff_ms_ < limits_.backoff_max_ms; ++i)
    backoff_ms_ *= 2;
  backoff_ms_ = std::min(backoff_ms_, limits_.backoff_max_ms);
  no_spawn_before_ms_ = now_ms + backoff_ms_;
  return true;
}

ExitCause ClassifyExit(int status, bool told_to_go) {
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    return signal == SIGKILL || signal == SIGTERM ? ExitCause::kKilled : ExitCause::kCrashed;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return ExitCause::kCrashed;
  return told_to_go ? ExitCause::kNormal : ExitCause::kRecycled;
}

bool PoolPolicy::IsRetiring(pid_t pid) const {
  auto it = workers_.find(pid);
  return it != workers_.end() && it->second.state == WorkerState::kRetiring;
}

std::vector<pid_t> PoolPolicy::RetireAll() {
  std::vector<pid_t> retired;
  for (auto& [pid, worker] : workers_) {
    if (worker.state == WorkerState::kRetiring) continue;
    worker.state = WorkerState::kRetiring;
    retired.push_back(pid);
  }
  return retired;
}

Counts PoolPolicy::counts() const {
  Counts c;
  for (const auto& [pid, worker] : workers_) {
    switch (worker.state) {
      case WorkerState::kStarting:
      case WorkerState::kIdle:
        ++c.idle;
        break;
      case WorkerState::kBusy:
        ++c.busy;
        break;
      case WorkerState::kRetiring:
        ++c.retiring;
        break;
    }
  }
  c.total = static_cast<int>(workers_.size());
  return c;
}

int PoolPolicy::IdleTarget(int64_t now_ms) {
  constexpr int64_t kDemandWindowMs = 1000;
  while (!recent_busy_ms_.empty() && now_ms - recent_busy_ms_.front() >= kDemandWindowMs) {
    recent_busy_ms_.pop_front();
  }
  return std::max(limits_.min_idle, static_cast<int>(recent_busy_ms_.size()));
}

Decision PoolPolicy::Decide(int64_t now_ms) {
  Decision decision;
  auto note_timer = [&decision](int64_t at) {
    if (decision.next_check_ms < 0 || at < decision.next_check_ms) decision.next_check_ms = at;
  };

  // A worker that has stayed up past the crash window shows the program starts.
  bool any_starting = false;
  for (const auto& [pid, worker] : workers_) {
    if (worker.state == WorkerState::kStarting) any_starting = true;
    if (worker.state != WorkerState::kRetiring &&
        now_ms - worker.started_ms >= limits_.crash_window_ms && consecutive_crashes_ > 0) {
      consecutive_crashes_ = 0;
      backoff_ms_ = 0;
    }
  }

  Counts c = counts();
  // Retiring workers are finishing their last request and are about to exit;
  // they do not hold a place, so a reload never leaves the pool short.
  int active = c.idle + c.busy;
  int wanted =
      std::clamp(IdleTarget(now_ms) - c.idle, 0, std::max(0, limits_.max_workers - active));
  if (wanted > 0 && consecutive_crashes_ > 0) {
    // In a crash loop: one probe at a time, after the back-off.
    if (now_ms < no_spawn_before_ms_) {
      wanted = 0;
      note_timer(no_spawn_before_ms_);
    } else {
      wanted = any_starting ? 0 : 1;
    }
  }
  decision.spawn = wanted;

  // Retire idle extras, the longest idle first.
  int extras = c.idle - limits_.min_idle;
  if (extras > 0) {
    std::vector<std::pair<int64_t, pid_t>> idle;
    for (const auto& [pid, worker] : workers_) {
      if (worker.state == WorkerState::kIdle) idle.emplace_back(worker.idle_since_ms, pid);
    }
    std::sort(idle.begin(), idle.end());
    for (const auto& [since, pid] : idle) {
      if (extras == 0) break;
      if (now_ms - since >= limits_.idle_timeout_ms) {
        workers_[pid].state = WorkerState::kRetiring;
        decision.retire.push_back(pid);
        --extras;
      } else {
        note_timer(since + limits_.idle_timeout_ms);
        break;
      }
    }
  }
  return decision;
}

}  // namespace pool
