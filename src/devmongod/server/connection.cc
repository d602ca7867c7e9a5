#include "devmongod/server/connection.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace devmongod::server {

IoResult Connection::ReadAvailable(std::span<uint8_t> scratch, size_t budget) {
  while (budget > 0) {
    size_t want = std::min(budget, scratch.size());
    ssize_t n = ::recv(fd.get(), scratch.data(), want, 0);
    if (n > 0) {
      input.Append(scratch.data(), static_cast<size_t>(n));
      budget -= static_cast<size_t>(n);
      // A short read emptied the socket: the loop's epoll is level-triggered
      // and reports whatever comes next, so asking again would only cost a
      // recv that fails with EAGAIN (one per getMore, thousands a second
      // under fan-out).
      if (static_cast<size_t>(n) < want) return {IoStatus::kBlocked, {}};
      continue;
    }
    if (n == 0) return {IoStatus::kEof, {}};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::kBlocked, {}};
    return {IoStatus::kError, std::string("read: ") + std::strerror(errno)};
  }
  return {IoStatus::kOk, {}};
}

IoResult Connection::Flush() {
  while (!output.empty()) {
    auto bytes = output.bytes();
    // MSG_NOSIGNAL as well as the process-wide SIG_IGN: a library user of
    // the loop (tests) may not have ignored SIGPIPE.
    ssize_t n = ::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      output.Consume(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::kBlocked, {}};
    return {IoStatus::kError, std::string("write: ") + std::strerror(errno)};
  }
  return {IoStatus::kOk, {}};
}

}  // namespace devmongod::server
