// The OS edge of chat-load: resolving a loopback literal, non-blocking TCP
// connects and the open-files limit. errno becomes a value here.
//
// Thread-safety: all functions are safe to call from any thread.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <expected>
#include <string>

#include "common/ip_literal.h"
#include "common/unique_fd.h"

namespace bench {

using LoopbackAddress = common::SocketAddress;

// Only 127.0.0.0/8 and ::1 literals are accepted.
std::expected<LoopbackAddress, std::string> ResolveLoopback(const std::string& host, int port);

// A non-blocking socket whose connect() is under way (or done), registered
// with `epoll_fd` for reading and writing under `token`; the error text
// names the failing call.
std::expected<common::UniqueFd, std::string> StartConnect(const LoopbackAddress& address,
                                                          int epoll_fd, uint64_t token);

// The pending error of a non-blocking connect (0 when it succeeded).
int ConnectError(int fd);

// Raises RLIMIT_NOFILE so `wanted` descriptors fit (as far as the hard limit,
// or beyond it when privileged); returns the soft limit in force.
uint64_t RaiseOpenFilesLimit(uint64_t wanted);

}  // namespace bench
