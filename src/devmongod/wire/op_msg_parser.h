// Parsing an OP_MSG (opcode 2013) into a Request.
//
// Checks the flag bits and the optional CRC-32C, splits the sections, and
// folds every kind-1 document sequence into the kind-0 body as an array, so
// the rest of devmongod sees one command document whichever way a driver
// chose to send it. Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <span>

#include "devmongod/wire/wire_message.h"
#include "devmongod/wire/wire_status.h"

namespace devmongod::wire {

// `message` is the whole message, header included (the checksum covers it).
// Fills `flag_bits`, `database` and `command` of `request`.
WireStatus ParseOpMsg(std::span<const uint8_t> message, Request* request);

}  // namespace devmongod::wire
