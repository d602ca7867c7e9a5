#include "bench/probe_content.h"

#include <charconv>

namespace bench {

std::string FormatProbe(int64_t sent_us, uint32_t seq, std::string_view run_tag) {
  return "t=" + std::to_string(sent_us) + " seq=" + std::to_string(seq) +
         " run=" + std::string(run_tag);
}

std::optional<Probe> FindProbe(std::string_view message_json, std::string_view run_tag) {
  // Our probes contain no character JSON escapes, so the raw text is the value.
  constexpr std::string_view kKey = "\"content\":\"t=";
  size_t at = message_json.find(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = message_json.substr(at + kKey.size());
  std::string_view value = rest.substr(0, rest.find('"'));
  Probe probe;
  auto [p1, e1] = std::from_chars(value.data(), value.data() + value.size(), probe.sent_us);
  if (e1 != std::errc()) return std::nullopt;
  std::string_view after = value.substr(p1 - value.data());
  constexpr std::string_view kSeq = " seq=";
  if (after.substr(0, kSeq.size()) != kSeq) return std::nullopt;
  after.remove_prefix(kSeq.size());
  auto [p2, e2] = std::from_chars(after.data(), after.data() + after.size(), probe.seq);
  if (e2 != std::errc()) return std::nullopt;
  after = after.substr(p2 - after.data());
  if (after != " run=" + std::string(run_tag)) return std::nullopt;
  return probe;
}

}  // namespace bench
