// Fuzz target: the SSE writer against the independent WHATWG-style parser.
// Input: byte 0 picks id/event lengths, the next bytes are the id and the
// event name, the rest is the data. Whatever the bytes, parse(format(x))
// gives back x (line ends normalised to LF), or the writer refused an id or
// event name that contains CR, LF or NUL; the stream is also fed in two
// chunks split at every position derived from the input. Abort on mismatch.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "chat/core/sse.h"
#include "chat/core/sse_parser.h"
#include "chat/core/utf8.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

bool SingleLine(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.empty()) return 0;
  const auto control = static_cast<unsigned char>(input[0]);
  input.remove_prefix(1);
  const size_t id_length = std::min<size_t>(control & 0x0F, input.size());
  const std::string_view id = input.substr(0, id_length);
  input.remove_prefix(id_length);
  const size_t event_length = std::min<size_t>(control >> 4, input.size());
  const std::string_view event = input.substr(0, event_length);
  input.remove_prefix(event_length);
  const std::string_view payload = input;

  std::string stream;
  chat::AppendSseRetry(stream, 1000);
  const auto written = chat::AppendSseEvent(
      stream, chat::SseEvent{id, event.empty() ? std::nullopt : std::optional(event), payload});
  if (!written) {
    Check(!SingleLine(id) || !SingleLine(event));
    Check(stream == "retry: 1000\n\n");
    return 0;
  }
  Check(SingleLine(id) && SingleLine(event));
  chat::AppendSseComment(stream, payload);

  const size_t split = stream.size() == 0 ? 0 : (control * 7919u) % stream.size();
  for (size_t first : {stream.size(), split}) {
    chat::SseParser parser;
    parser.Feed(std::string_view(stream).substr(0, first));
    parser.Feed(std::string_view(stream).substr(first));
    const auto events = parser.TakeEvents();
    Check(events.size() == 1);
    Check(events[0].data == chat::NormalizeNewlines(payload));
    Check(events[0].last_event_id == id);
    Check(events[0].type == (event.empty() ? std::string("message") : std::string(event)));
    Check(parser.retry_ms() == 1000u);
  }
  return 0;
}
