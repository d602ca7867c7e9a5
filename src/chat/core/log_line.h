// One machine-parseable logfmt line per request, e.g.
//   ts=2026-11-28T15:12:41.123Z prog=stream-messages pid=123 req=7 method=GET
//   path=/api/stream-messages status=200 room=general dur_ms=1234 events=5
//   bytes=2048 end=client_gone
// (one line). Only typed fields exist, so message contents, headers or
// credentials have no way in. A value is quoted when it is empty or holds a
// space, '"', '=', '\' or any byte that is not printable ASCII or valid
// UTF-8 text; inside quotes '"' and '\' are backslash-escaped and control or
// invalid bytes are written as \xHH. Values are cut at kMaxLogValueBytes.
//
// Thread-safety: none; one builder per request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "chat/core/api_error.h"

namespace chat {

inline constexpr size_t kMaxLogValueBytes = 200;

class LogLine {
 public:
  LogLine(int64_t now_ms, std::string_view program, int64_t pid, uint64_t request_number);

  LogLine& Method(std::string_view method);
  // The path without its query string (anything from '?' is dropped).
  LogLine& Path(std::string_view path);
  LogLine& Status(int status);
  LogLine& Room(std::string_view room);
  // The authenticated caller's user id (a token's sub; never the token).
  LogLine& User(std::string_view user_id);
  LogLine& DurationMs(int64_t milliseconds);
  LogLine& Events(int64_t count);
  LogLine& Bytes(int64_t count);
  // How many writes carried those bytes (several events can share one).
  LogLine& Writes(int64_t count);
  // Why a stream ended: client_gone, max_duration, db_error, ...
  LogLine& End(std::string_view reason);
  LogLine& Error(ErrorCode code);
  // Our own one-line diagnostics (e.g. MessageJson's reasons); never user text.
  LogLine& Detail(std::string_view detail);

  // The line with a trailing '\n'.
  std::string Finish() const { return line_ + '\n'; }

 private:
  LogLine& Add(std::string_view key, std::string_view value);
  LogLine& AddNumber(std::string_view key, int64_t value);

  std::string line_;
};

// Appends `value` as a logfmt value (quoted and escaped only when needed).
void AppendLogfmtValue(std::string& out, std::string_view value);

}  // namespace chat
