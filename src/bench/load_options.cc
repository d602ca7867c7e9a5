#include "bench/load_options.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <functional>

namespace bench {
namespace {

// Parses a whole string as a number in [lo, hi].
template <typename T>
bool ParseNumber(const std::string& text, T lo, T hi, T* out) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < lo || value > hi) return false;
  *out = value;
  return true;
}

struct Flag {
  const char* name;
  const char* help;
  // Stores the value; false when it is invalid.
  std::function<bool(const std::string&, LoadOptions*)> set;
};

const std::vector<Flag>& Flags() {
  static const std::vector<Flag> kFlags = {
      {"--host", "loopback address of nginx (127.0.0.0/8 or ::1) [127.0.0.1]",
       [](const std::string& v, LoadOptions* o) {
         o->host = v;
         return IsLoopbackLiteral(v);
       }},
      {"--port", "nginx port (required)",
       [](const std::string& v, LoadOptions* o) { return ParseNumber(v, 1, 65535, &o->port); }},
      {"--sse", "number of SSE connections to open at once (0-20000)",
       [](const std::string& v, LoadOptions* o) {
         return ParseNumber(v, 0, 20000, &o->sse_connections);
       }},
      {"--url-path", "path and query of the stream [/api/stream-messages?room=bench]",
       [](const std::string& v, LoadOptions* o) {
         o->url_path = v;
         return !v.empty() && v[0] == '/' && v.find_first_of("\r\n ") == std::string::npos;
       }},
      {"--room", "room the posts go to [bench]",
       [](const std::string& v, LoadOptions* o) {
         o->room = v;
         return !v.empty() && v.size() <= 64 && v.find_first_of("\"\\") == std::string::npos;
       }},
      {"--reconnect-every-ms", "drop and reconnect each stream with Last-Event-ID this often",
       [](const std::string& v, LoadOptions* o) {
         return ParseNumber(v, 0, 3600000, &o->reconnect_every_ms);
       }},
      {"--retry-503-ms", "retry a stream refused with 503 after this, as a browser does (0: never)",
       [](const std::string& v, LoadOptions* o) {
         return ParseNumber(v, 0, 60000, &o->retry_503_ms);
       }},
      {"--post-rate", "posts per second (0-100000)",
       [](const std::string& v, LoadOptions* o) {
         return ParseNumber(v, 0.0, 100000.0, &o->post_rate);
       }},
      {"--post-duration", "seconds of posting",
       [](const std::string& v, LoadOptions* o) {
         return ParseNumber(v, 0.0, 3600.0, &o->post_duration_s);
       }},
      {"--post-connections", "keep-alive connections of the poster (1-1000) [4]",
       [](const std::string& v, LoadOptions* o) {
         return ParseNumber(v, 1, 1000, &o->post_connections);
       }},
      {"--hold-seconds", "keep the streams open this long when not posting",
       [](const std::string& v, LoadOptions* o) {
         return ParseNumber(v, 0.0, 3600.0, &o->hold_s);
       }},
      {"--drain-seconds", "wait this long after the last post for deliveries [10]",
       [](const std::string& v, LoadOptions* o) {
         return ParseNumber(v, 0.0, 3600.0, &o->drain_s);
       }},
      {"--ready-timeout", "seconds to wait for every stream's response head [60]",
       [](const std::string& v, LoadOptions* o) {
         return ParseNumber(v, 0.1, 3600.0, &o->ready_timeout_s);
       }},
      {"--max-seconds", "hard cap of the whole run [120]",
       [](const std::string& v, LoadOptions* o) {
         return ParseNumber(v, 1.0, 3600.0, &o->max_seconds);
       }},
      {"--run-tag", "word marking this run's posts [pid-time]",
       [](const std::string& v, LoadOptions* o) {
         o->run_tag = v;
         return !v.empty() && v.size() <= 32 && v.find_first_of(" \"\\") == std::string::npos;
       }},
  };
  return kFlags;
}

std::string Usage() {
  std::string text =
      "usage: chat-load --port N [options]\n"
      "Loads a loopback chat stack: SSE streams, posts, reconnects; prints one JSON summary.\n";
  for (const Flag& flag : Flags()) {
    text += "  ";
    text += flag.name;
    text += std::string(22 - std::strlen(flag.name), ' ');
    text += flag.help;
    text += "\n";
  }
  return text;
}

}  // namespace

bool IsLoopbackLiteral(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::expected<LoadOptions, std::string> ParseLoadOptions(const std::vector<std::string>& args) {
  LoadOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") return std::unexpected(Usage());
    const Flag* match = nullptr;
    for (const Flag& flag : Flags()) {
      if (args[i] == flag.name) match = &flag;
    }
    if (match == nullptr) return std::unexpected("chat-load: unknown option " + args[i] + "\n");
    if (i + 1 >= args.size()) {
      return std::unexpected("chat-load: " + args[i] + " needs a value\n");
    }
    const std::string& value = args[++i];
    if (!match->set(value, &options)) {
      return std::unexpected("chat-load: invalid " + args[i - 1] + " \"" + value +
                             "\": " + match->help + "\n");
    }
  }
  if (options.port == 0) return std::unexpected("chat-load: --port is required\n" + Usage());
  if (options.post_rate > 0 && options.post_duration_s <= 0) {
    return std::unexpected("chat-load: --post-rate needs --post-duration\n");
  }
  return options;
}

}  // namespace bench
