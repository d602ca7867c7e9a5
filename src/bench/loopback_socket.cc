#include "bench/loopback_socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "bench/load_options.h"
#include "common/ip_literal.h"

namespace bench {

std::expected<LoopbackAddress, std::string> ResolveLoopback(const std::string& host, int port) {
  if (!IsLoopbackLiteral(host)) return std::unexpected("not a loopback address: " + host);
  auto address = common::ParseIpLiteral(host, static_cast<uint16_t>(port));
  if (!address) return std::unexpected("bad address: " + host);
  return *address;
}

std::expected<common::UniqueFd, std::string> StartConnect(const LoopbackAddress& address,
                                                          int epoll_fd, uint64_t token) {
  common::UniqueFd fd(
      ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return std::unexpected(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  // Posts are small single writes: do not let Nagle hold them back.
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) !=
          0 &&
      errno != EINPROGRESS) {
    return std::unexpected(std::string("connect: ") + std::strerror(errno));
  }
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT;
  event.data.u64 = token;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd.get(), &event) != 0) {
    return std::unexpected(std::string("epoll_ctl: ") + std::strerror(errno));
  }
  return fd;
}

int ConnectError(int fd) {
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
  return error;
}

uint64_t RaiseOpenFilesLimit(uint64_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur >= wanted) return limit.rlim_cur;
  rlimit raised = limit;
  raised.rlim_cur = wanted;
  if (raised.rlim_max < wanted) raised.rlim_max = wanted;
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return wanted;
  // Unprivileged: the hard limit is as far as we may go.
  raised = limit;
  raised.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return raised.rlim_cur;
  return limit.rlim_cur;
}

}  // namespace bench
