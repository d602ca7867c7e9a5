// The listening TCP socket: non-blocking, SO_REUSEADDR, backlog 4096, bound
// to one IPv4 or IPv6 literal address.
// Thread-safety: a plain value; owned by one thread.
#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "common/unique_fd.h"

namespace devmongod::server {

struct Listener {
  common::UniqueFd fd;
  uint16_t port = 0;      // the actual port (useful when 0 was asked for)
  std::string host_port;  // "127.0.0.1:27017" or "[::1]:27017"
};

// The error is one line, e.g. "cannot listen on 127.0.0.1:27017: Address already in use".
std::expected<Listener, std::string> Listen(const std::string& bind, uint16_t port);

// "host:port" with IPv6 hosts in brackets.
std::string JoinHostPort(const std::string& host, uint16_t port);

}  // namespace devmongod::server
