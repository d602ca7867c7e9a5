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

namespace {

// The strings of an array field (failCommands, errorLabels).
std::expected<std::vector<std::string>, CommandError> ReadStrings(const bson_t& array,
                                                                  const char* field) {
  std::vector<std::string> values;
  bson_iter_t item;
  bson_iter_init(&item, &array);
  while (bson_iter_next(&item)) {
    if (!BSON_ITER_HOLDS_UTF8(&item)) {
      return std::unexpected(TypeMismatch(std::string("'") + field + "' must contain strings"));
    }
    values.emplace_back(bson_iter_utf8(&item, nullptr));
  }
  return values;
}

// {code: int, errmsg: string}, kept as its BSON bytes for the reply.
std::expected<std::string, CommandError> ReadWriteConcernError(const bson_t& concern) {
  bson_iter_t field;
  if (!bson_iter_init_find(&field, &concern, "code") || !BSON_ITER_HOLDS_INT32(&field) ||
      !bson_iter_init_find(&field, &concern, "errmsg") || !BSON_ITER_HOLDS_UTF8(&field)) {
    return std::unexpected(
        BadValue("'writeConcernError' must have a code (int) and an errmsg (string)"));
  }
  return std::string(reinterpret_cast<const char*>(bson_get_data(&concern)), concern.len);
}

// What the fail point does when it fires, and for which client (appName),
// from its `data` document.
std::expected<FailAction, CommandError> ReadFailAction(const bson_t& data,
                                                       std::optional<std::string>* app_name) {
  FailAction action;
  auto code = ReadOptionalInt(data, "errorCode");
  auto close = ReadOptionalBool(data, "closeConnection");
  auto block = ReadOptionalBool(data, "blockConnection");
  auto block_ms = ReadOptionalInt(data, "blockTimeMS");
  auto app = ReadOptionalString(data, "appName");
  auto labels = ReadOptionalArray(data, "errorLabels");
  auto concern = ReadOptionalDocument(data, "writeConcernError");
  if (!concern) return std::unexpected(concern.error());
  if (*concern) {
    auto bytes = ReadWriteConcernError(**concern);
    if (!bytes) return std::unexpected(bytes.error());
    action.write_concern_error = std::move(*bytes);
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
  *app_name = *app;
  if (*labels) {
    auto values = ReadStrings(**labels, "errorLabels");
    if (!values) return std::unexpected(values.error());
    action.error_labels = std::move(*values);
  }
  return action;
}

}  // namespace

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
    auto list = ReadOptionalArray(**data, "failCommands");
    if (!list) return std::unexpected(list.error());
    if (*list) {
      auto names = ReadStrings(**list, "failCommands");
      if (!names) return std::unexpected(names.error());
      commands = std::move(*names);
    }
    auto read = ReadFailAction(**data, &app_name);
    if (!read) return std::unexpected(read.error());
    action = std::move(*read);
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
