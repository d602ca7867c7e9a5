// The result of one step of message parsing: success, or a one-line reason.
//
// The wire code does not use std::expected because the fuzz build uses
// clang 14, which cannot compile libstdc++ 12's <expected>.
// Thread-safety: a plain value.
#pragma once

#include <string>
#include <utility>

namespace devmongod::wire {

class [[nodiscard]] WireStatus {
 public:
  static WireStatus Ok() { return WireStatus(); }
  static WireStatus Error(std::string message) { return WireStatus(std::move(message)); }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::string TakeError() { return std::move(error_); }

 private:
  WireStatus() = default;
  explicit WireStatus(std::string message) : error_(std::move(message)) {}
  std::string error_;  // empty on success; Error() is always given a non-empty message
};

}  // namespace devmongod::wire
