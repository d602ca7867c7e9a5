// The text chat-load posts and finds again in streamed messages:
// "t=<send epoch µs> seq=<n> run=<tag>". Carrying the send time in the
// message itself makes latency = receive time - send time without any
// shared state between poster and readers.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bench {

struct Probe {
  int64_t sent_us = 0;
  uint32_t seq = 0;
};

std::string FormatProbe(int64_t sent_us, uint32_t seq, std::string_view run_tag);

// Finds the probe in a streamed message's JSON (its "content" field); nullopt
// when the message is not one of this run's posts.
std::optional<Probe> FindProbe(std::string_view message_json, std::string_view run_tag);

}  // namespace bench
