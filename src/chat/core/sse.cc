#include "chat/core/sse.h"

namespace chat {
namespace {

bool IsSingleLine(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Appends "<field>: <line>\n" for each line of `text`, splitting on CRLF, CR
// and LF exactly as the client's parser will. The space after the colon is
// always written so a line that starts with a space keeps it (the parser
// strips only the first one).
void AppendFieldLines(std::string& out, std::string_view field, std::string_view text) {
  size_t start = 0;
  while (true) {
    const size_t end = text.find_first_of("\r\n", start);
    out += field;
    out += ": ";
    out += text.substr(start, end == std::string_view::npos ? end : end - start);
    out += '\n';
    if (end == std::string_view::npos) return;
    start = end + 1;
    if (text[end] == '\r' && start < text.size() && text[start] == '\n') ++start;
  }
}

}  // namespace

void AppendSseRetry(std::string& out, uint32_t milliseconds) {
  out += "retry: ";
  out += std::to_string(milliseconds);
  out += "\n\n";
}

std::expected<void, SseFormatError> AppendSseEvent(std::string& out, const SseEvent& event) {
  if (event.id && !IsSingleLine(*event.id)) return std::unexpected(SseFormatError::kBadId);
  if (event.event && !IsSingleLine(*event.event)) {
    return std::unexpected(SseFormatError::kBadEventName);
  }
  if (event.id) AppendFieldLines(out, "id", *event.id);
  if (event.event) AppendFieldLines(out, "event", *event.event);
  AppendFieldLines(out, "data", event.data);
  out += '\n';
  return {};
}

void AppendSseComment(std::string& out, std::string_view text) {
  AppendFieldLines(out, "", text);
  out += '\n';
}

std::expected<void, SseFormatError> AppendSseIdOnly(std::string& out, std::string_view id) {
  if (!IsSingleLine(id)) return std::unexpected(SseFormatError::kBadId);
  AppendFieldLines(out, "id", id);
  out += '\n';
  return {};
}

}  // namespace chat
