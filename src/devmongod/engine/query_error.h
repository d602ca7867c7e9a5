// A rejected query (query::Error) as the command error the client gets.
#pragma once

#include "devmongod/engine/command_error.h"
#include "devmongod/query/query.h"

namespace devmongod {

inline CommandError FromQueryError(const query::Error& error) {
  return CommandError{error.code, error.code_name, error.message, {}};
}

}  // namespace devmongod
