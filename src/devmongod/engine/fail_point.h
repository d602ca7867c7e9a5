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

// The mode every fail point has: off, alwaysOn, {times: n}, {skip: n}.
class FailPointMode {
 public:
  static std::expected<FailPointMode, CommandError> Parse(const bson_t& command);
  bool active() const { return mode_ != Mode::kOff; }
  // Whether the fail point fires now (counting the firing, moving times/skip).
  bool Fire();
  // Takes `next`'s mode, keeps counting firings; returns the count so far
  // (mongod's "count" in configureFailPoint's reply).
  int64_t Replace(FailPointMode next);

 private:
  enum class Mode { kOff, kAlwaysOn, kTimes, kSkip };
  Mode mode_ = Mode::kOff;
  int64_t remaining_ = 0;  // kTimes: firings left; kSkip: matches still to skip
  int64_t times_entered_ = 0;
};

class FailCommandPoint {
 public:
  // Applies {configureFailPoint: "failCommand", mode, data}. Returns the
  // number of times the fail point had fired so far (mongod's "count").
  std::expected<int64_t, CommandError> Configure(const bson_t& command);

  // Decides whether the fail point fires for this command (counting it).
  std::optional<FailAction> Evaluate(std::string_view command_name, std::string_view app_name);

  bool active() const { return mode_.active(); }

 private:
  FailPointMode mode_;
  std::vector<std::string> commands_;
  std::optional<std::string> app_name_;
  FailAction action_;
};

// The other test fail points drivers' tests use, each with the same modes:
//   failGetMoreAfterCursorCheckout {errorCode}: a getMore fails after taking
//     its cursor, which it then kills, as mongod does for a failed getMore;
//   onPrimaryTransactionalWrite {closeConnection | failBeforeCommitExceptionCode}:
//     a retryable write is applied and then its connection closed (the reply
//     is lost, a retry must get the remembered one), or fails before it is
//     applied.
class SimpleFailPoint {
 public:
  struct Data {
    std::optional<int32_t> error_code;
    bool close_connection = false;
  };
  std::expected<int64_t, CommandError> Configure(const bson_t& command);
  // What the fail point does to this command, when it fires (counting it).
  std::optional<Data> Evaluate();
  bool active() const { return mode_.active(); }

 private:
  FailPointMode mode_;
  Data data_;
};

}  // namespace devmongod
