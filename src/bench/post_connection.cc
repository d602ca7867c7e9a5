#include "bench/post_connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

#include "common/clock.h"

namespace bench {

void PostConnection::Watch(uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = token_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd_.get(), &event);
}

bool PostConnection::Send(int epoll_fd, uint64_t token, const LoopbackAddress& address,
                          const std::string& request, LoadRecorder* recorder) {
  ++recorder->posts.sent;
  epoll_fd_ = epoll_fd;
  token_ = token;
  if (!fd_.valid()) {
    auto fd = StartConnect(address, epoll_fd, token);
    if (!fd) {
      ++recorder->posts.failed;
      return false;
    }
    fd_ = std::move(*fd);
    connecting_ = true;
    ++recorder->posts.reconnects;
  }
  busy_ = true;
  out_ = request;
  out_sent_ = 0;
  http_.Reset();
  body_.clear();
  sent_at_us_ = common::MonotonicUs();
  if (!connecting_) Flush(recorder);
  return true;
}

void PostConnection::Fail(LoadRecorder* recorder) {
  if (busy_) ++recorder->posts.failed;
  busy_ = false;
  connecting_ = false;
  fd_.reset();
}

void PostConnection::Flush(LoadRecorder* recorder) {
  while (out_sent_ < out_.size()) {
    ssize_t n = ::send(fd_.get(), out_.data() + out_sent_, out_.size() - out_sent_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) {
        Watch(EPOLLIN | EPOLLOUT);
        return;
      }
      Fail(recorder);
      return;
    }
    out_sent_ += static_cast<size_t>(n);
  }
  Watch(EPOLLIN);
}

void PostConnection::OnReady(uint32_t events, LoadRecorder* recorder) {
  if (!fd_.valid()) return;
  if (connecting_) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    if (ConnectError(fd_.get()) != 0) {
      Fail(recorder);
      return;
    }
    connecting_ = false;
    if (busy_) Flush(recorder);
    if (!fd_.valid()) return;
  } else if ((events & EPOLLOUT) != 0 && out_sent_ < out_.size()) {
    Flush(recorder);
    if (!fd_.valid()) return;
  }
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) return;
  char buffer[8192];
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
      // Closed by the server: fine between posts (keep-alive timeout), a
      // failure in the middle of one.
      Fail(recorder);
      return;
    }
    if (!busy_) continue;  // stray bytes between requests: ignore
    http_.Feed(std::string_view(buffer, static_cast<size_t>(n)), &body_);
    if (http_.failed()) {
      Fail(recorder);
      return;
    }
    if (http_.done()) {
      busy_ = false;
      if (http_.status() == 201) {
        ++recorder->posts.ok;
        recorder->post.Add(common::MonotonicUs() - sent_at_us_);
      } else {
        ++recorder->posts.failed;
        if (http_.status() == 429) ++recorder->posts.status_429;
      }
      if (http_.connection_close()) fd_.reset();
      return;
    }
  }
}

}  // namespace bench
