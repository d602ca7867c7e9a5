// An incremental Server-Sent Events parser following WHATWG HTML's "event
// stream interpretation", written independently of sse.h so that tests (and
// the load client) check our frames the way a browser reads them.
//
// It works on bytes: a browser would first decode UTF-8 with replacement
// characters, which changes nothing for valid UTF-8. Handled: one leading BOM,
// CRLF/CR/LF line ends (also split across Feed calls), `field:value` with one
// optional space, comments, ids containing NUL ignored, `retry` digits only,
// dispatch on a blank line, empty data buffer = no event, an unterminated
// last event dropped.
//
// Thread-safety: none; one parser per stream.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat {

struct SseParsedEvent {
  std::string type;           // "message" when no event field was given
  std::string data;           // data lines joined with LF
  std::string last_event_id;  // the stream's last event ID when dispatched

  bool operator==(const SseParsedEvent&) const = default;
};

class SseParser {
 public:
  void Feed(std::string_view bytes);

  // Events dispatched since the last call, in order.
  std::vector<SseParsedEvent> TakeEvents();
  // Comment lines (text after ':', leading space kept) since the last call.
  std::vector<std::string> TakeComments();

  const std::string& last_event_id() const { return last_event_id_; }
  std::optional<uint64_t> retry_ms() const { return retry_ms_; }

 private:
  void ProcessLine(std::string_view line);
  void ProcessField(std::string_view field, std::string_view value);
  void Dispatch();

  std::string line_;        // bytes of the line being read
  bool skip_lf_ = false;    // the previous chunk ended with CR
  size_t bom_checked_ = 0;  // leading bytes compared against the BOM so far
  bool bom_done_ = false;
  std::string data_;
  std::string event_type_;
  std::string last_event_id_buffer_;
  std::string last_event_id_;
  std::optional<uint64_t> retry_ms_;
  std::vector<SseParsedEvent> events_;
  std::vector<std::string> comments_;
};

}  // namespace chat
