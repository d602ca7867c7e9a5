#include "chat/core/sse_parser.h"

#include <utility>

namespace chat {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

void SseParser::Feed(std::string_view bytes) {
  for (char c : bytes) {
    if (!bom_done_) {
      // Hold back a BOM prefix until it is complete or disproved.
      if (c == kBom[bom_checked_]) {
        if (++bom_checked_ == kBom.size()) bom_done_ = true;  // dropped
        continue;
      }
      bom_done_ = true;
      const std::string held(kBom.substr(0, bom_checked_));
      bom_checked_ = 0;
      Feed(held);
    }
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;  // second half of a CRLF
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = c == '\r';
      ProcessLine(line_);
      line_.clear();
    } else {
      line_ += c;
    }
  }
}

std::vector<SseParsedEvent> SseParser::TakeEvents() { return std::exchange(events_, {}); }

std::vector<std::string> SseParser::TakeComments() { return std::exchange(comments_, {}); }

void SseParser::ProcessLine(std::string_view line) {
  if (line.empty()) {
    Dispatch();
    return;
  }
  if (line.front() == ':') {
    comments_.emplace_back(line.substr(1));
    return;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    ProcessField(line, {});
    return;
  }
  std::string_view value = line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  ProcessField(line.substr(0, colon), value);
}

void SseParser::ProcessField(std::string_view field, std::string_view value) {
  if (field == "event") {
    event_type_ = value;
  } else if (field == "data") {
    data_ += value;
    data_ += '\n';
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_buffer_ = value;
  } else if (field == "retry") {
    if (value.empty() || value.size() > 18) return;  // 18 digits cannot overflow
    uint64_t ms = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return;
      ms = ms * 10 + static_cast<uint64_t>(c - '0');
    }
    retry_ms_ = ms;
  }
  // Other field names are ignored, as the specification says.
}

void SseParser::Dispatch() {
  last_event_id_ = last_event_id_buffer_;
  if (data_.empty()) {
    event_type_.clear();
    return;
  }
  data_.pop_back();  // the LF added after the last data line
  events_.push_back(SseParsedEvent{event_type_.empty() ? "message" : std::move(event_type_),
                                   std::move(data_), last_event_id_});
  data_.clear();
  event_type_.clear();
}

}  // namespace chat
