// One client connection of devmongod: its socket, byte queues in both
// directions and the request in flight.
//
// Like mongod, a connection has at most one request in flight: while it waits
// (a parked getMore, a blockConnection fail point) later requests stay
// unparsed in `input`. The event loop owns the policy (when to read, parse,
// write, close); this type only moves bytes between the socket and its queues.
// Thread-safety: none; owned by the event loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/unique_fd.h"
#include "devmongod/server/byte_queue.h"
#include "devmongod/wire/wire_message.h"

namespace devmongod::server {

enum class IoStatus {
  kOk,       // progress made (or nothing to do)
  kBlocked,  // the socket would block; wait for readiness
  kEof,      // the peer closed its side
  kError,    // the connection is broken; `error` says why
};

struct IoResult {
  IoStatus status = IoStatus::kOk;
  std::string error;
};

struct Connection {
  enum class Pending { kNone, kWait, kDelay };

  Connection(uint64_t connection_id, common::UniqueFd socket)
      : id(connection_id), fd(std::move(socket)) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Reads at most `budget` bytes (through `scratch`, so an idle connection
  // owns no read buffer) into `input`. kBlocked means everything available
  // was read; kOk means the budget ran out first.
  IoResult ReadAvailable(std::span<uint8_t> scratch, size_t budget);

  // Writes as much of `output` as the socket takes.
  IoResult Flush();

  const uint64_t id;
  common::UniqueFd fd;
  ByteQueue input;
  ByteQueue output;

  // The request in flight while it waits or is delayed.
  std::optional<wire::Request> pending_request;
  Pending pending = Pending::kNone;
  int64_t pending_until_ms = 0;
  bool failpoint_applied = false;  // sticky for the request in flight

  uint32_t epoll_events = 0;  // the interest currently registered
  bool write_blocked = false;
  bool dirty = false;   // queued for the post-BeforeReplies flush
  bool closed = false;  // socket gone; erased at the end of the iteration
};

}  // namespace devmongod::server
