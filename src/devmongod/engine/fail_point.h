// The "failCommand" fail point of mongod's test commands: makes chosen
// commands fail, close the connection, or stall, a given number of times.
// Configured by configureFailPoint; consulted once per command.
// Thread-safety: single-threaded, owned by the engine.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "devmongod/engine/command_error.h"

namespace devmongod {

// What a firing fail point does to one command, in this order: block, then
// close the connection, or fail with an error.
struct FailAction {
  int64_t block_ms = 0;  // > 0: delay the command first
  bool close_connection = false;
  std::optional<int32_t> error_code;
  // errorLabels as configured; absent: the labels mongod would add.
  std::optional<std::vector<std::string>> error_labels;
  // writeConcernError {code, errmsg, ...} as BSON bytes: the command runs,
  // then its reply carries this instead of a clean write concern.
  std::optional<std::string> write_concern_error;
};

class FailCommandPoint {
 public:
  // Applies {configureFailPoint: "failCommand", mode, data}. Returns the
  // number of times the fail point had fired so far (mongod's "count").
  std::expected<int64_t, CommandError> Configure(const bson_t& command);

  // Decides whether the fail point fires for this command (counting it).
  std::optional<FailAction> Evaluate(std::string_view command_name, std::string_view app_name);

  bool active() const { return mode_ != Mode::kOff; }

 private:
  enum class Mode { kOff, kAlwaysOn, kTimes, kSkip };
  Mode mode_ = Mode::kOff;
  int64_t remaining_ = 0;  // kTimes: firings left; kSkip: matches still to skip
  std::vector<std::string> commands_;
  std::optional<std::string> app_name_;
  FailAction action_;
  int64_t times_entered_ = 0;
};

}  // namespace devmongod
