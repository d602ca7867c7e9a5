#include "devmongod/server/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace devmongod::server {

std::string JoinHostPort(const std::string& host, uint16_t port) {
  bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::expected<Listener, std::string> Listen(const std::string& bind, uint16_t port) {
  sockaddr_storage storage{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, bind.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(*v4);
  } else if (inet_pton(AF_INET6, bind.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(*v6);
  } else {
    return std::unexpected("cannot listen on " + JoinHostPort(bind, port) +
                           ": not an IP address literal");
  }
  auto fail = [&](const char* what) {
    return std::unexpected("cannot listen on " + JoinHostPort(bind, port) + ": " +
                           (what ? std::string(what) + ": " : std::string()) +
                           std::strerror(errno));
  };

  Listener listener;
  listener.fd.reset(::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listener.fd.valid()) return fail("socket");
  int one = 1;
  // Restarting on the same port (tests restart devmongod on its dbpath) must
  // not wait for the previous process's TIME_WAIT sockets.
  if (::setsockopt(listener.fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
    return fail("SO_REUSEADDR");
  }
  if (::bind(listener.fd.get(), reinterpret_cast<sockaddr*>(&storage), len) != 0) {
    return fail(nullptr);
  }
  if (::listen(listener.fd.get(), 4096) != 0) return fail("listen");

  len = sizeof(storage);
  if (::getsockname(listener.fd.get(), reinterpret_cast<sockaddr*>(&storage), &len) != 0) {
    return fail("getsockname");
  }
  listener.port = ntohs(storage.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
  listener.host_port = JoinHostPort(bind, listener.port);
  return listener;
}

}  // namespace devmongod::server
