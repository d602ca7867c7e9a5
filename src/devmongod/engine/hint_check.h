// The `hint` of find, count, aggregate and delete statements: devmongod
// does not plan queries, so a hint cannot change a result, but mongod
// refuses one that names no index of the collection (2 BadValue), and so
// does devmongod. {$natural: ±1} and hints on a missing collection pass.
// Thread-safety: pure function.
#pragma once

#include <bson/bson.h>

#include <optional>

#include "devmongod/engine/collection.h"
#include "devmongod/engine/command_error.h"

namespace devmongod {

// `spec` is the document holding the `hint` field (the command or a delete
// statement).
std::optional<CommandError> CheckHint(const bson_t& spec, const Collection* collection);

}  // namespace devmongod
