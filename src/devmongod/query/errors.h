// Constructors for the query::Error values this library reports, so that
// every module spells MongoDB's code names the same way.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "devmongod/query/query.h"

namespace devmongod::query {

inline Error BadValue(std::string message) { return Error{2, "BadValue", std::move(message)}; }

inline Error TypeMismatch(std::string message) {
  return Error{14, "TypeMismatch", std::move(message)};
}

// MongoDB names errors that only have a numeric "location" as Location<code>.
inline Error LocationError(int32_t code, std::string message) {
  return Error{code, "Location" + std::to_string(code), std::move(message)};
}

}  // namespace devmongod::query
