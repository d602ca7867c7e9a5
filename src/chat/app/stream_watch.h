// A second thread that watches an open stream while the worker's main
// thread waits for change events.
//
// Why: the main thread's wait is a getMore that the server holds open until
// an event arrives or the await time ends. To cost a quiet stream almost
// nothing, that await is long (a heartbeat, 15 s by default: one database
// command per heartbeat), yet a browser that leaves must be let go of within
// moments, and a worker told to stop must stop. The main thread cannot watch
// the browser while it sits in the driver, so this thread does: it polls the
// web server's connection, the stop signal and the stream's deadline, and
// when one of them fires it records why and calls `interrupt` (which kills
// the stream's cursor from a connection of its own, ending the getMore at
// once). The main thread reads reason() whenever its wait returns.
//
// The thread is started once per worker and reused by every stream.
// Thread-safety: Begin/End/reason are called from the main thread; the
// interrupt runs on the watch thread, at most once between Begin and End.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "common/unique_fd.h"

namespace chat::app {

class StreamWatch {
 public:
  enum class Reason { kNone, kClientGone, kStop, kDeadline };

  StreamWatch();
  ~StreamWatch();
  StreamWatch(const StreamWatch&) = delete;
  StreamWatch& operator=(const StreamWatch&) = delete;

  // Starts watching: `gone_fd` (polled, never read; -1: nothing to watch),
  // the stop signal, and `deadline_ms` (monotonic).
  void Begin(int gone_fd, int64_t deadline_ms, std::function<void()> interrupt);
  // Stops watching. On return the interrupt has either run to its end or
  // will not run, so the stream's cursor may be closed and reused freely.
  void End();

  Reason reason() const { return reason_.load(std::memory_order_acquire); }

 private:
  void Loop();
  // One watch: polls until a reason or End(); returns the reason found.
  Reason Watch(int gone_fd, int64_t deadline_ms);
  void Wake();

  std::mutex mutex_;
  std::condition_variable changed_;
  // Guarded by mutex_:
  bool watching_ = false;
  bool quit_ = false;
  uint64_t generation_ = 0;  // counts Begin() calls
  uint64_t finished_ = 0;    // the generation the thread has finished with
  int gone_fd_ = -1;
  int64_t deadline_ms_ = 0;
  std::function<void()> interrupt_;

  std::atomic<Reason> reason_{Reason::kNone};
  common::UniqueFd wake_;  // eventfd: End() and the destructor interrupt the poll
  std::thread thread_;
};

}  // namespace chat::app
