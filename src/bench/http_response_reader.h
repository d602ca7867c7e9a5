// Incremental reader of one HTTP/1.1 response: the head, then the body
// de-chunked (Transfer-Encoding: chunked), bounded by Content-Length, or
// until the connection closes. It is resumable like nginx's parsers: Feed
// takes whatever a read() returned, even one byte, and keeps its state, so a
// connection needs no buffer beyond the current head line or chunk-size line.
//
// Thread-safety: none; one reader per connection.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bench {

class HttpResponseReader {
 public:
  enum class State {
    kHead,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailer,
    kLengthBody,
    kUntilClose,
    kDone,
    kError
  };

  // Consumes bytes; de-chunked body bytes are appended to *body. Bytes after
  // the end of the response are ignored (we never pipeline).
  void Feed(std::string_view bytes, std::string* body);

  // Back to the start, for the next response on a keep-alive connection.
  void Reset() { *this = HttpResponseReader(); }

  State state() const { return state_; }
  bool head_done() const { return state_ != State::kHead && state_ != State::kError; }
  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kError; }
  int status() const { return status_; }
  // The server asked to close the connection after this response.
  bool connection_close() const { return connection_close_; }

 private:
  void ParseHead();
  size_t FeedChunked(std::string_view bytes, std::string* body);

  State state_ = State::kHead;
  std::string line_;  // the head so far, or a chunk-size/trailer line
  int status_ = 0;
  bool connection_close_ = false;
  size_t remaining_ = 0;  // bytes left of the chunk or the Content-Length body
};

}  // namespace bench
