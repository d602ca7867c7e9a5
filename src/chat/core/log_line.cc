#include "chat/core/log_line.h"

#include "chat/core/iso_time.h"
#include "chat/core/utf8.h"

namespace chat {
namespace {

bool NeedsQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (size_t pos = 0; pos < value.size();) {
    const auto decoded = DecodeUtf8At(value, pos);
    if (!decoded) return true;
    const char32_t cp = decoded->code_point;
    if (cp <= 0x20 || cp == '"' || cp == '=' || cp == '\\' || IsControl(cp) || cp == 0x2028 ||
        cp == 0x2029) {
      return true;
    }
    pos += decoded->length;
  }
  return false;
}

void AppendHexByte(std::string& out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[byte >> 4];
  out += kHex[byte & 0xF];
}

}  // namespace

void AppendLogfmtValue(std::string& out, std::string_view value) {
  if (value.size() > kMaxLogValueBytes) value = value.substr(0, kMaxLogValueBytes);
  if (!NeedsQuotes(value)) {
    out += value;
    return;
  }
  out += '"';
  for (size_t pos = 0; pos < value.size();) {
    const auto decoded = DecodeUtf8At(value, pos);
    if (!decoded) {
      AppendHexByte(out, static_cast<unsigned char>(value[pos]));
      ++pos;
      continue;
    }
    const char32_t cp = decoded->code_point;
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (IsControl(cp) || cp == 0x2028 || cp == 0x2029) {
      // Every byte of the sequence, so the original is recoverable.
      for (size_t i = 0; i < decoded->length; ++i) {
        AppendHexByte(out, static_cast<unsigned char>(value[pos + i]));
      }
    } else {
      out.append(value.substr(pos, decoded->length));
    }
    pos += decoded->length;
  }
  out += '"';
}

LogLine::LogLine(int64_t now_ms, std::string_view program, int64_t pid, uint64_t request_number) {
  Add("ts", FormatIsoMillis(now_ms).value_or("invalid"));
  Add("prog", program);
  AddNumber("pid", pid);
  Add("req", std::to_string(request_number));
}

LogLine& LogLine::Method(std::string_view method) { return Add("method", method); }

LogLine& LogLine::Path(std::string_view path) {
  return Add("path", path.substr(0, path.find('?')));
}

LogLine& LogLine::Status(int status) { return AddNumber("status", status); }

LogLine& LogLine::Room(std::string_view room) { return Add("room", room); }

LogLine& LogLine::User(std::string_view user_id) { return Add("user", user_id); }

LogLine& LogLine::DurationMs(int64_t milliseconds) { return AddNumber("dur_ms", milliseconds); }

LogLine& LogLine::Events(int64_t count) { return AddNumber("events", count); }

LogLine& LogLine::Bytes(int64_t count) { return AddNumber("bytes", count); }

LogLine& LogLine::Writes(int64_t count) { return AddNumber("writes", count); }

LogLine& LogLine::End(std::string_view reason) { return Add("end", reason); }

LogLine& LogLine::Error(ErrorCode code) { return Add("error", ErrorCodeName(code)); }

LogLine& LogLine::Detail(std::string_view detail) { return Add("detail", detail); }

LogLine& LogLine::Add(std::string_view key, std::string_view value) {
  if (!line_.empty()) line_ += ' ';
  line_ += key;
  line_ += '=';
  AppendLogfmtValue(line_, value);
  return *this;
}

LogLine& LogLine::AddNumber(std::string_view key, int64_t value) {
  return Add(key, std::to_string(value));
}

}  // namespace chat
