// An IPv4 or IPv6 address literal and a port as a socket address. Names are
// never resolved: every listening address and every load target in this
// project is given as a literal, so no lookup can block or surprise.
// Thread-safety: pure function.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>

namespace common {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// "127.0.0.1", "::1", "[::1]" (brackets allowed around IPv6); nullopt for
// anything else.
std::optional<SocketAddress> ParseIpLiteral(std::string host, uint16_t port);

// "host:port", with brackets around an IPv6 host.
std::string JoinHostPort(const std::string& host, uint16_t port);

}  // namespace common
