#include "devmongod/engine/fail_point.h"

#include <algorithm>
#include <cstring>

#include "common/bson_ptr.h"
#include "devmongod/engine/bson_fields.h"

namespace devmongod {

std::expected<FailPointMode, CommandError> FailPointMode::Parse(const bson_t& command) {
  FailPointMode parsed;
  bson_iter_t iter;
  if (!FindField(command, "mode", &iter)) return std::unexpected(BadValue("missing 'mode'"));
  if (BSON_ITER_HOLDS_UTF8(&iter)) {
    std::string value = bson_iter_utf8(&iter, nullptr);
    if (value == "alwaysOn") {
      parsed.mode_ = Mode::kAlwaysOn;
    } else if (value != "off") {
      return std::unexpected(BadValue("unknown fail point mode: " + value));
    }
  } else if (BSON_ITER_HOLDS_DOCUMENT(&iter)) {
    common::BsonPtr spec = CopySubDocument(iter);
    auto times = ReadOptionalInt(*spec, "times");
    auto skip = ReadOptionalInt(*spec, "skip");
    if (!times) return std::unexpected(times.error());
    if (!skip) return std::unexpected(skip.error());
    if (times->has_value() && **times >= 0) {
      parsed.mode_ = **times == 0 ? Mode::kOff : Mode::kTimes;
      parsed.remaining_ = **times;
    } else if (skip->has_value() && **skip >= 0) {
      parsed.mode_ = Mode::kSkip;
      parsed.remaining_ = **skip;
    } else {
      return std::unexpected(BadValue("mode must have a non-negative 'times' or 'skip'"));
    }
  } else {
    return std::unexpected(TypeMismatch("'mode' must be a string or an object"));
  }
  return parsed;
}

bool FailPointMode::Fire() {
  switch (mode_) {
    case Mode::kOff:
      return false;
    case Mode::kAlwaysOn:
      break;
    case Mode::kTimes:
      if (--remaining_ <= 0) mode_ = Mode::kOff;
      break;
    case Mode::kSkip:
      if (remaining_ > 0) {
        --remaining_;
        return false;
      }
      break;
  }
  ++times_entered_;
  return true;
}

int64_t FailPointMode::Replace(FailPointMode next) {
  const int64_t entered = times_entered_;
  *this = next;
  times_entered_ = entered;
  return entered;
}

std::expected<int64_t, CommandError> FailCommandPoint::Configure(const bson_t& command) {
  // Parse everything first so a rejected configuration leaves the old one.
  auto mode = FailPointMode::Parse(command);
  if (!mode) return std::unexpected(mode.error());

  std::vector<std::string> commands;
  std::optional<std::string> app_name;
  FailAction action;
  auto data = ReadOptionalDocument(command, "data");
  if (!data) return std::unexpected(data.error());
  if (*data) {
    const bson_t& d = **data;
    auto list = ReadOptionalArray(d, "failCommands");
    if (!list) return std::unexpected(list.error());
    if (*list) {
      bson_iter_t name;
      bson_iter_init(&name, list->get());
      while (bson_iter_next(&name)) {
        if (!BSON_ITER_HOLDS_UTF8(&name)) {
          return std::unexpected(TypeMismatch("'failCommands' must contain strings"));
        }
        commands.emplace_back(bson_iter_utf8(&name, nullptr));
      }
    }
    auto code = ReadOptionalInt(d, "errorCode");
    auto close = ReadOptionalBool(d, "closeConnection");
    auto block = ReadOptionalBool(d, "blockConnection");
    auto block_ms = ReadOptionalInt(d, "blockTimeMS");
    auto app = ReadOptionalString(d, "appName");
    auto labels = ReadOptionalArray(d, "errorLabels");
    auto concern = ReadOptionalDocument(d, "writeConcernError");
    if (!concern) return std::unexpected(concern.error());
    if (*concern) {
      bson_iter_t field;
      if (!bson_iter_init_find(&field, concern->get(), "code") || !BSON_ITER_HOLDS_INT32(&field) ||
          !bson_iter_init_find(&field, concern->get(), "errmsg") || !BSON_ITER_HOLDS_UTF8(&field)) {
        return std::unexpected(
            BadValue("'writeConcernError' must have a code (int) and an errmsg (string)"));
      }
      action.write_concern_error = std::string(
          reinterpret_cast<const char*>(bson_get_data(concern->get())), (*concern)->len);
    }
    if (!code) return std::unexpected(code.error());
    if (!close) return std::unexpected(close.error());
    if (!block) return std::unexpected(block.error());
    if (!block_ms) return std::unexpected(block_ms.error());
    if (!app) return std::unexpected(app.error());
    if (!labels) return std::unexpected(labels.error());
    if (code->has_value()) {
      if (**code < INT32_MIN || **code > INT32_MAX) {
        return std::unexpected(BadValue("'errorCode' out of range"));
      }
      action.error_code = static_cast<int32_t>(**code);
    }
    action.close_connection = close->value_or(false);
    if (block->value_or(false)) {
      int64_t ms = block_ms->value_or(0);
      if (ms < 0) return std::unexpected(BadValue("'blockTimeMS' must not be negative"));
      // Even a zero-length block goes through the delay path; 1 ms keeps
      // "block requested" distinguishable from "no block".
      action.block_ms = std::clamp<int64_t>(ms, 1, INT32_MAX);
    }
    app_name = *app;
    if (*labels) {
      std::vector<std::string> values;
      bson_iter_t label;
      bson_iter_init(&label, labels->get());
      while (bson_iter_next(&label)) {
        if (!BSON_ITER_HOLDS_UTF8(&label)) {
          return std::unexpected(TypeMismatch("'errorLabels' must contain strings"));
        }
        values.emplace_back(bson_iter_utf8(&label, nullptr));
      }
      action.error_labels = std::move(values);
    }
  }

  const int64_t previous = mode_.Replace(*mode);
  commands_ = std::move(commands);
  app_name_ = std::move(app_name);
  action_ = std::move(action);
  return previous;
}

std::optional<FailAction> FailCommandPoint::Evaluate(std::string_view command_name,
                                                     std::string_view app_name) {
  if (!mode_.active() || command_name == "configureFailPoint") return std::nullopt;
  if (std::find(commands_.begin(), commands_.end(), command_name) == commands_.end()) {
    return std::nullopt;
  }
  if (app_name_ && *app_name_ != app_name) return std::nullopt;
  if (action_.block_ms == 0 && !action_.close_connection && !action_.error_code &&
      !action_.write_concern_error) {
    return std::nullopt;
  }
  if (!mode_.Fire()) return std::nullopt;
  return action_;
}

std::expected<int64_t, CommandError> SimpleFailPoint::Configure(const bson_t& command) {
  auto mode = FailPointMode::Parse(command);
  if (!mode) return std::unexpected(mode.error());
  auto data = ReadOptionalDocument(command, "data");
  if (!data) return std::unexpected(data.error());
  SimpleFailPoint::Data parsed;
  if (*data) {
    auto code = ReadOptionalInt(**data, "errorCode");
    auto before_commit = ReadOptionalInt(**data, "failBeforeCommitExceptionCode");
    auto close = ReadOptionalBool(**data, "closeConnection");
    if (!code) return std::unexpected(code.error());
    if (!before_commit) return std::unexpected(before_commit.error());
    if (!close) return std::unexpected(close.error());
    for (const auto& value : {*code, *before_commit}) {
      if (value && (*value < INT32_MIN || *value > INT32_MAX)) {
        return std::unexpected(BadValue("error code out of range"));
      }
    }
    if (*code) parsed.error_code = static_cast<int32_t>(**code);
    if (*before_commit) parsed.error_code = static_cast<int32_t>(**before_commit);
    parsed.close_connection = close->value_or(false);
  }
  data_ = parsed;
  return mode_.Replace(*mode);
}

std::optional<SimpleFailPoint::Data> SimpleFailPoint::Evaluate() {
  if (!mode_.active() || !mode_.Fire()) return std::nullopt;
  return data_;
}

}  // namespace devmongod
