// Options of commands devmongod runs that would make mongod do something
// devmongod does not (views, capped and time-series collections, document
// validation, collations other than the simple one, TTL and partial
// indexes, transactions, snapshot reads, min/max and tailable finds, $$let
// variables, explain). Ignoring them would answer as if they were not
// there; naming them in an error (115 CommandNotSupported) is the honest
// answer. Options whose absence changes nothing visible (hint on an
// existing index, allowDiskUse, comment, maxTimeMS, ...) are accepted.
// Thread-safety: pure function.
#pragma once

#include <bson/bson.h>

#include <optional>
#include <string>

#include "devmongod/engine/command_error.h"

namespace devmongod {

std::optional<CommandError> CheckUnsupportedOptions(const std::string& command_name,
                                                    const bson_t& command);

}  // namespace devmongod
