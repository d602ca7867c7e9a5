#include "chat/web/fcgi_exchange.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace chat::web {

std::string_view FcgiExchange::Param(const char* name) const {
  const char* value = FCGX_GetParam(name, request_->envp);
  return value ? std::string_view(value) : std::string_view();
}

bool FcgiExchange::ReadBody(size_t limit, std::string* body, bool* too_large) {
  *too_large = false;
  body->clear();
  char chunk[4096];
  while (true) {
    int n = FCGX_GetStr(chunk, sizeof chunk, request_->in);
    if (n <= 0) break;
    if (body->size() + static_cast<size_t>(n) > limit) {
      *too_large = true;
      return true;
    }
    body->append(chunk, static_cast<size_t>(n));
  }
  input_drained_ = true;
  return FCGX_GetError(request_->in) == 0;
}

bool FcgiExchange::Write(std::string_view bytes) {
  if (gone_) return false;
  if (FCGX_PutStr(bytes.data(), static_cast<int>(bytes.size()), request_->out) < 0 ||
      FCGX_GetError(request_->out) != 0) {
    gone_ = true;
  }
  return !gone_;
}

bool FcgiExchange::Flush() {
  if (gone_) return false;
  // FCGX_FFlush reports a failed write only once; the stream's error state
  // is what stays set afterwards.
  if (FCGX_FFlush(request_->out) < 0 || FCGX_GetError(request_->out) != 0) gone_ = true;
  return !gone_;
}

void FcgiExchange::DrainInput() {
  // nginx ends every request's input with an empty FCGI_STDIN record. Until
  // it has been read, readable data on the socket means "more input", not
  // "peer closed".
  char chunk[4096];
  while (FCGX_GetStr(chunk, sizeof chunk, request_->in) > 0) {
  }
  input_drained_ = true;
}

int FcgiExchange::GoneWatchFd() {
  if (!input_drained_) DrainInput();
  return request_->ipcFd;
}

bool FcgiExchange::ClientGone() {
  if (gone_) return true;
  if (!input_drained_) DrainInput();
  if (request_->ipcFd < 0) return gone_ = true;
  pollfd pfd{request_->ipcFd, POLLIN | POLLRDHUP, 0};
  if (poll(&pfd, 1, 0) <= 0) return false;
  if (pfd.revents & (POLLHUP | POLLERR | POLLRDHUP)) return gone_ = true;
  // Readable after the input ended: either EOF (nginx closed the connection
  // because the browser went away) or a record we do not multiplex, such as
  // FCGI_ABORT_REQUEST; both end the request.
  char byte;
  ssize_t n = recv(request_->ipcFd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    return gone_ = true;
  }
  return gone_ = n > 0;
}

}  // namespace chat::web
