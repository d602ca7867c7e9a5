// Server-Sent Events framing (WHATWG HTML "Server-sent events"), appending to
// a std::string the shell then writes and flushes.
//
// Injection safety: data is split on every CRLF, CR and LF into separate
// `data:` lines, so no byte sequence in the data can end the frame or add a
// field; ids and event names are single-line by construction and refused
// (the output is left untouched) if they contain CR, LF or NUL (a browser
// ignores an id with NUL, which would silently break resumption).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace chat {

struct SseEvent {
  std::optional<std::string_view> id;     // sets the client's last event ID
  std::optional<std::string_view> event;  // event type; absent = "message"
  std::string_view data;                  // any bytes; empty data is still dispatched
};

enum class SseFormatError { kBadId, kBadEventName };

// "retry: <ms>\n\n" (a frame of its own; no event is dispatched).
void AppendSseRetry(std::string& out, uint32_t milliseconds);

// [id: …\n][event: …\n](data: <line>\n)+\n
[[nodiscard]] std::expected<void, SseFormatError> AppendSseEvent(std::string& out,
                                                                 const SseEvent& event);

// ": <line>\n" per line of `text` + "\n" (e.g. ": keepalive\n\n"). Browsers
// ignore comments; intermediaries see traffic.
void AppendSseComment(std::string& out, std::string_view text);

// "id: <id>\n\n": moves the client's last event ID forward without
// dispatching an event (a blank line with an empty data buffer dispatches
// nothing), used to step past a message we will not show.
[[nodiscard]] std::expected<void, SseFormatError> AppendSseIdOnly(std::string& out,
                                                                  std::string_view id);

}  // namespace chat
