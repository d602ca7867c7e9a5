#include "bench/sse_stream.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

#include "bench/probe_content.h"
#include "common/clock.h"

namespace bench {

bool SseStream::Open(int epoll_fd, uint64_t token, const LoopbackAddress& address,
                     const std::string& path, int64_t now_us, LoadRecorder* recorder) {
  auto fd = StartConnect(address, epoll_fd, token);
  if (!fd) {
    ++recorder->streams.connect_errors;
    failed_ = true;
    return false;
  }
  fd_ = std::move(*fd);
  epoll_fd_ = epoll_fd;
  token_ = token;
  request_ = "GET " + path + " HTTP/1.1\r\nHost: chat\r\nAccept: text/event-stream\r\n";
  if (!last_event_id_.empty()) request_ += "Last-Event-ID: " + last_event_id_ + "\r\n";
  request_ += "\r\n";
  request_sent_ = 0;
  connect_start_us_ = now_us;
  if (first_open_us_ == 0) first_open_us_ = now_us;
  last_status_ = 0;
  failed_ = false;
  http_.Reset();
  sse_ = chat::SseParser();
  phase_ = Phase::kConnecting;
  reconnect_at_us = 0;
  return true;
}

void SseStream::Close() {
  fd_.reset();  // closing the only descriptor also removes it from epoll
  phase_ = Phase::kClosed;
  if (!request_.empty()) first_connection_ = false;
  request_.clear();
  request_.shrink_to_fit();
  body_.clear();
}

bool SseStream::WriteRequest() {
  while (request_sent_ < request_.size()) {
    ssize_t n = ::send(fd_.get(), request_.data() + request_sent_, request_.size() - request_sent_,
                       MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    request_sent_ += static_cast<size_t>(n);
  }
  // Everything written: from now on only reads matter.
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = token_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd_.get(), &event);
  phase_ = Phase::kWaitingHead;
  return true;
}

bool SseStream::OnReady(uint32_t events, const std::string& run_tag, LoadRecorder* recorder) {
  if (phase_ == Phase::kConnecting) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) {
      if (ConnectError(fd_.get()) != 0) {
        ++recorder->streams.connect_errors;
        failed_ = true;
        Close();
        return false;
      }
      if (!WriteRequest()) {
        ++recorder->streams.connect_errors;
        failed_ = true;
        Close();
        return false;
      }
    }
  }
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0 && phase_ != Phase::kConnecting) {
    return ReadAvailable(run_tag, recorder);
  }
  return true;
}

bool SseStream::ReadAvailable(const std::string& run_tag, LoadRecorder* recorder) {
  char buffer[16384];
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return true;
      n = 0;  // a reset is an end like any other
    }
    if (n == 0) {
      if (!ever_ready_ || phase_ != Phase::kStreaming) {
        ++recorder->streams.connect_errors;
        failed_ = true;
      } else {
        ++recorder->streams.drops;
      }
      Close();
      return false;
    }
    http_.Feed(std::string_view(buffer, static_cast<size_t>(n)), &body_);
    if (http_.failed()) {
      ++recorder->streams.protocol_errors;
      failed_ = true;
      Close();
      return false;
    }
    if (phase_ == Phase::kWaitingHead && http_.head_done()) {
      last_status_ = http_.status();
      if (first_connection_) {
        // The head is the first bytes nginx sends: its arrival is the TTFB.
        LatencyStats& ttfb = last_status_ == 200 ? recorder->ttfb : recorder->ttfb_refused;
        ttfb.Add(common::MonotonicUs() - connect_start_us_);
      }
      if (http_.status() != 200) {
        ++recorder->streams.http_errors;
        if (http_.status() == 503) ++recorder->streams.status_503;
        failed_ = true;
        Close();
        return false;
      }
      phase_ = Phase::kStreaming;
      if (!ever_ready_) recorder->ready.Add(common::MonotonicUs() - first_open_us_);
      ever_ready_ = true;
    }
    if (!body_.empty()) HandleBody(run_tag, recorder);
    if (http_.done()) {
      ++recorder->streams.drops;
      Close();
      return false;
    }
  }
}

void SseStream::HandleBody(const std::string& run_tag, LoadRecorder* recorder) {
  sse_.Feed(body_);
  body_.clear();
  recorder->streams.comments += sse_.TakeComments().size();
  std::vector<chat::SseParsedEvent> events = sse_.TakeEvents();
  if (events.empty()) return;
  int64_t now_us = common::WallUs();
  last_event_id_ = sse_.last_event_id();
  for (const chat::SseParsedEvent& event : events) {
    ++recorder->streams.events;
    if (event.type == "reset") {
      ++recorder->streams.resets;
      continue;
    }
    if (event.type == "error") {
      ++recorder->streams.error_events;
      continue;
    }
    std::optional<Probe> probe = FindProbe(event.data, run_tag);
    if (!probe) {
      ++recorder->streams.foreign;
      continue;
    }
    if (probe->seq >= seen_.size()) seen_.resize(probe->seq + 1);
    if (seen_[probe->seq]) {
      ++recorder->streams.duplicates;
      continue;
    }
    seen_[probe->seq] = true;
    ++recorder->streams.delivered;
    recorder->delivery.Add(now_us - probe->sent_us);
  }
}

}  // namespace bench
