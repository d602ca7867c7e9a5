#include "chat/web/cgi_exchange.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>

namespace chat::web {

std::string_view CgiExchange::Param(const char* name) const {
  const char* value = std::getenv(name);
  return value ? std::string_view(value) : std::string_view();
}

bool CgiExchange::ReadBody(size_t limit, std::string* body, bool* too_large) {
  *too_large = false;
  body->clear();
  // RFC 3875: the server provides exactly CONTENT_LENGTH bytes and need not
  // send EOF, so never read past it.
  std::string_view length_text = Param("CONTENT_LENGTH");
  size_t length = 0;
  if (!length_text.empty()) {
    auto [end, ec] =
        std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
    if (ec != std::errc() || end != length_text.data() + length_text.size()) return false;
  }
  if (length > limit) {
    *too_large = true;
    return true;
  }
  body->resize(length);
  size_t got = 0;
  while (got < length) {
    ssize_t n = read(in_fd_, body->data() + got, length - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

bool CgiExchange::Write(std::string_view bytes) {
  if (gone_) return false;
  pending_.append(bytes);
  return true;
}

bool CgiExchange::Flush() {
  size_t sent = 0;
  while (!gone_ && sent < pending_.size()) {
    ssize_t n = write(out_fd_, pending_.data() + sent, pending_.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      gone_ = true;
    else
      sent += static_cast<size_t>(n);
  }
  pending_.clear();
  return !gone_;
}

bool CgiExchange::ClientGone() {
  if (gone_) return true;
  pollfd pfd{out_fd_, 0, 0};
  if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLERR | POLLHUP))) gone_ = true;
  return gone_;
}

}  // namespace chat::web
