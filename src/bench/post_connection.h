// One keep-alive HTTP/1.1 connection of chat-load's poster: one POST
// /api/messages in flight at a time, the response read incrementally, the
// latency (request written -> full response) recorded. A connection the
// server closed is reopened on the next post.
//
// Thread-safety: none; owned and driven by one event loop.
#pragma once

#include <cstdint>
#include <string>

#include "bench/http_response_reader.h"
#include "bench/load_recorder.h"
#include "bench/loopback_socket.h"
#include "common/unique_fd.h"

namespace bench {

class PostConnection {
 public:
  PostConnection() = default;
  PostConnection(const PostConnection&) = delete;
  PostConnection& operator=(const PostConnection&) = delete;
  PostConnection(PostConnection&&) = default;
  PostConnection& operator=(PostConnection&&) = default;

  bool busy() const { return busy_; }

  // Sends one post (connecting first when needed). False when no socket
  // could be opened; the post is then counted as failed.
  bool Send(int epoll_fd, uint64_t token, const LoopbackAddress& address,
            const std::string& request, LoadRecorder* recorder);
  void OnReady(uint32_t events, LoadRecorder* recorder);

 private:
  void Fail(LoadRecorder* recorder);
  void Flush(LoadRecorder* recorder);
  void Watch(uint32_t events);

  common::UniqueFd fd_;
  int epoll_fd_ = -1;  // borrowed from the loop
  uint64_t token_ = 0;
  bool connecting_ = false;
  bool busy_ = false;
  std::string out_;
  size_t out_sent_ = 0;
  int64_t sent_at_us_ = 0;
  HttpResponseReader http_;
  std::string body_;
};

}  // namespace bench
