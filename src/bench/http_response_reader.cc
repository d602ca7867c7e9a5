#include "bench/http_response_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace bench {
namespace {

// A head longer than this is not from our nginx.
constexpr size_t kMaxHeadBytes = 16384;
constexpr size_t kMaxLineBytes = 1024;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

void HttpResponseReader::Feed(std::string_view bytes, std::string* body) {
  while (!bytes.empty()) {
    switch (state_) {
      case State::kHead: {
        // Only the last 3 bytes of the previous feed can start the blank line.
        size_t old_size = line_.size();
        line_.append(bytes);
        size_t from = old_size >= 3 ? old_size - 3 : 0;
        size_t end = line_.find("\r\n\r\n", from);
        if (end == std::string::npos) {
          if (line_.size() > kMaxHeadBytes) state_ = State::kError;
          return;
        }
        size_t used = end + 4 - old_size;
        line_.resize(end + 2);
        ParseHead();
        line_.clear();
        bytes.remove_prefix(used);
        break;
      }
      case State::kChunkSize:
      case State::kChunkData:
      case State::kChunkDataEnd:
      case State::kTrailer:
        bytes.remove_prefix(FeedChunked(bytes, body));
        break;
      case State::kLengthBody: {
        size_t take = std::min(remaining_, bytes.size());
        body->append(bytes.substr(0, take));
        remaining_ -= take;
        bytes.remove_prefix(take);
        if (remaining_ == 0) state_ = State::kDone;
        break;
      }
      case State::kUntilClose:
        body->append(bytes);
        return;
      case State::kDone:
      case State::kError:
        return;
    }
  }
}

void HttpResponseReader::ParseHead() {
  std::string_view head = line_;
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  // "HTTP/1.1 200 OK"
  if (status_line.substr(0, 7) != "HTTP/1." || status_line.size() < 12) {
    state_ = State::kError;
    return;
  }
  auto [ptr, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, status_);
  if (ec != std::errc() || status_ < 100 || status_ > 599) {
    state_ = State::kError;
    return;
  }
  bool chunked = false;
  bool has_length = false;
  size_t length = 0;
  head.remove_prefix(eol + 2);
  while (!head.empty()) {
    eol = head.find("\r\n");
    std::string_view header = head.substr(0, eol);
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
    size_t colon = header.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = header.substr(0, colon);
    std::string_view value = Trim(header.substr(colon + 1));
    if (EqualsIgnoreCase(name, "transfer-encoding")) {
      chunked = EqualsIgnoreCase(value, "chunked");
    } else if (EqualsIgnoreCase(name, "content-length")) {
      auto [p, e] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (e != std::errc() || p != value.data() + value.size()) {
        state_ = State::kError;
        return;
      }
      has_length = true;
    } else if (EqualsIgnoreCase(name, "connection")) {
      connection_close_ = EqualsIgnoreCase(value, "close");
    }
  }
  bool no_body = status_ == 204 || status_ == 304 || (status_ >= 100 && status_ < 200);
  if (chunked) {
    state_ = State::kChunkSize;
  } else if (has_length || no_body) {
    remaining_ = no_body ? 0 : length;
    state_ = remaining_ == 0 ? State::kDone : State::kLengthBody;
  } else {
    state_ = State::kUntilClose;
    connection_close_ = true;
  }
}

size_t HttpResponseReader::FeedChunked(std::string_view bytes, std::string* body) {
  size_t used = 0;
  while (used < bytes.size() && state_ != State::kDone && state_ != State::kError) {
    char c = bytes[used];
    switch (state_) {
      case State::kChunkSize:
      case State::kTrailer:
        ++used;
        if (c != '\n') {
          line_.push_back(c);
          if (line_.size() > kMaxLineBytes) state_ = State::kError;
          break;
        }
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        if (state_ == State::kTrailer) {
          if (line_.empty()) state_ = State::kDone;  // blank line ends the trailer
        } else {
          std::string_view size_text = line_;
          size_text = size_text.substr(0, size_text.find(';'));  // chunk extensions
          auto [p, e] = std::from_chars(size_text.data(), size_text.data() + size_text.size(),
                                        remaining_, 16);
          if (e != std::errc() || size_text.empty()) {
            state_ = State::kError;
          } else {
            state_ = remaining_ == 0 ? State::kTrailer : State::kChunkData;
          }
        }
        line_.clear();
        break;
      case State::kChunkData: {
        size_t take = std::min(remaining_, bytes.size() - used);
        body->append(bytes.substr(used, take));
        used += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kChunkDataEnd;
        break;
      }
      case State::kChunkDataEnd:
        // The CRLF after the data: accept a lone LF too.
        ++used;
        if (c == '\n') {
          state_ = State::kChunkSize;
        } else if (c != '\r') {
          state_ = State::kError;
        }
        break;
      default:
        return used;
    }
  }
  return used;
}

}  // namespace bench
