// One SSE client connection of chat-load: sends the GET, reads the response
// incrementally (HTTP framing, then WHATWG SSE parsing), finds this run's
// probes in the messages and records latency and duplicates. It can be
// dropped and reopened with Last-Event-ID, as a browser does.
//
// Memory per stream is small on purpose (parser state plus one bit per
// expected probe) so that thousands fit in one process that is not the
// bottleneck.
//
// Thread-safety: none; owned and driven by one event loop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/http_response_reader.h"
#include "bench/load_recorder.h"
#include "bench/loopback_socket.h"
#include "chat/core/sse_parser.h"
#include "common/unique_fd.h"

namespace bench {

class SseStream {
 public:
  enum class Phase { kClosed, kConnecting, kWaitingHead, kStreaming };

  SseStream() = default;
  SseStream(const SseStream&) = delete;
  SseStream& operator=(const SseStream&) = delete;
  SseStream(SseStream&&) = default;
  SseStream& operator=(SseStream&&) = default;

  // Starts a connection; registers it with epoll under `token`. False when
  // the socket could not even be created (counted as a connect error).
  bool Open(int epoll_fd, uint64_t token, const LoopbackAddress& address, const std::string& path,
            int64_t now_us, LoadRecorder* recorder);
  // Handles epoll readiness. Returns false when the connection ended (the
  // stream is then closed and the caller may schedule a reconnect).
  bool OnReady(uint32_t events, const std::string& run_tag, LoadRecorder* recorder);
  // Drops the connection (keeps the last event ID for a resume).
  void Close();

  Phase phase() const { return phase_; }
  bool ever_ready() const { return ever_ready_; }
  // Set when the server answered with an error or broke the protocol.
  bool failed() const { return failed_; }
  // Status of the last response head (0 when none arrived).
  int last_status() const { return last_status_; }

  int64_t reconnect_at_us = 0;  // when the loop should reopen it (0: not scheduled)

 private:
  bool WriteRequest();
  bool ReadAvailable(const std::string& run_tag, LoadRecorder* recorder);
  void HandleBody(const std::string& run_tag, LoadRecorder* recorder);

  common::UniqueFd fd_;
  int epoll_fd_ = -1;  // borrowed from the loop
  uint64_t token_ = 0;
  Phase phase_ = Phase::kClosed;
  std::string request_;
  size_t request_sent_ = 0;
  int64_t connect_start_us_ = 0;
  bool first_connection_ = true;
  bool ever_ready_ = false;
  bool failed_ = false;
  int last_status_ = 0;
  int64_t first_open_us_ = 0;
  HttpResponseReader http_;
  chat::SseParser sse_;
  std::string body_;           // de-chunked bytes of the current read
  std::string last_event_id_;  // survives reconnects
  std::vector<bool> seen_;     // probes received, by seq
};

}  // namespace bench
