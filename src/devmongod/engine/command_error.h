// A command that failed, as the client will see it: {ok:0, errmsg, code,
// codeName, errorLabels?}. Commands return it as a value; Execute turns it
// into the reply document.
// Thread-safety: plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace devmongod {

struct CommandError {
  int32_t code = 1;
  std::string code_name = "InternalError";
  std::string message;
  std::vector<std::string> labels;
};

inline CommandError MakeError(int32_t code, std::string code_name, std::string message) {
  return CommandError{code, std::move(code_name), std::move(message), {}};
}
inline CommandError BadValue(std::string message) {
  return MakeError(2, "BadValue", std::move(message));
}
inline CommandError FailedToParse(std::string message) {
  return MakeError(9, "FailedToParse", std::move(message));
}
inline CommandError TypeMismatch(std::string message) {
  return MakeError(14, "TypeMismatch", std::move(message));
}
inline CommandError InternalError(std::string message) {
  return MakeError(1, "InternalError", std::move(message));
}

// mongod's codeName for the error codes drivers and tests commonly use;
// "Location<code>" for the rest (mongod's own spelling for unnamed codes).
std::string CodeNameFor(int32_t code);

}  // namespace devmongod
