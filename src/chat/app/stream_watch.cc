#include "chat/app/stream_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "chat/web/process_signals.h"
#include "common/clock.h"

namespace chat::app {

StreamWatch::StreamWatch() : wake_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  thread_ = std::thread([this] { Loop(); });
}

StreamWatch::~StreamWatch() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
    watching_ = false;
  }
  Wake();
  changed_.notify_all();
  thread_.join();
}

void StreamWatch::Begin(int gone_fd, int64_t deadline_ms, std::function<void()> interrupt) {
  std::lock_guard lock(mutex_);
  reason_.store(Reason::kNone, std::memory_order_release);
  gone_fd_ = gone_fd;
  deadline_ms_ = deadline_ms;
  interrupt_ = std::move(interrupt);
  watching_ = true;
  ++generation_;
  changed_.notify_all();
}

void StreamWatch::End() {
  std::unique_lock lock(mutex_);
  if (!watching_) return;
  watching_ = false;
  Wake();
  changed_.wait(lock, [this] { return finished_ == generation_; });
  interrupt_ = nullptr;
}

void StreamWatch::Wake() {
  const uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof one);
}

void StreamWatch::Loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    // Every Begin() is picked up, even one that End() already cancelled,
    // so End() never waits for a generation nobody will finish.
    changed_.wait(lock, [this] { return quit_ || finished_ != generation_; });
    if (quit_) return;
    const uint64_t generation = generation_;
    const int gone_fd = gone_fd_;
    const int64_t deadline_ms = deadline_ms_;
    lock.unlock();
    const Reason reason = Watch(gone_fd, deadline_ms);
    if (reason != Reason::kNone) {
      reason_.store(reason, std::memory_order_release);
      // interrupt_ is only replaced by Begin(), which cannot run before this
      // generation is finished (End() waits for it).
      if (interrupt_) interrupt_();
    }
    lock.lock();
    finished_ = generation;
    changed_.notify_all();
  }
}

StreamWatch::Reason StreamWatch::Watch(int gone_fd, int64_t deadline_ms) {
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (!watching_) return Reason::kNone;
    }
    if (web::StopRequested()) return Reason::kStop;
    const int64_t left_ms = deadline_ms - common::MonotonicMs();
    if (left_ms <= 0) return Reason::kDeadline;
    pollfd fds[3] = {{wake_.get(), POLLIN, 0},
                     {web::StopSignalFd(), POLLIN, 0},
                     {gone_fd, POLLIN | POLLRDHUP, 0}};
    const int count = gone_fd >= 0 ? 3 : 2;
    const int ready = poll(fds, count, static_cast<int>(std::min<int64_t>(left_ms, 60000)));
    if (ready < 0 && errno != EINTR)
      return Reason::kNone;  // cannot watch: the main loop's checks remain
    if (fds[0].revents & POLLIN) {
      uint64_t count_read = 0;
      (void)!read(wake_.get(), &count_read, sizeof count_read);  // End(), or a stale wake
    }
    if (count == 3 && (fds[2].revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR))) {
      // After the request's input, anything on the connection (end of file,
      // an abort record) means the request is over.
      return Reason::kClientGone;
    }
  }
}

}  // namespace chat::app
