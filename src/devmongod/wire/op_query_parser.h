// Parsing the body of a legacy OP_QUERY (opcode 2004) into a Request.
//
// devmongod only sees OP_QUERY for the handshake and monitoring (drivers
// switch to OP_MSG once they know the wire version), so the query document
// is taken as the command. Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <span>

#include "devmongod/wire/wire_message.h"
#include "devmongod/wire/wire_status.h"

namespace devmongod::wire {

// `body` is the message after its 16-byte header. Fills every OP_QUERY
// field of `request` plus `database` and `command`.
WireStatus ParseOpQueryBody(std::span<const uint8_t> body, Request* request);

}  // namespace devmongod::wire
