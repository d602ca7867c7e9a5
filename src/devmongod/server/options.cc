#include "devmongod/server/options.h"

#include <arpa/inet.h>

#include <charconv>
#include <functional>
#include <string_view>

namespace devmongod::server {
namespace {

// A validator both checks and stores: it returns what was expected when the
// text is not acceptable ("an integer 0-65535"), which becomes the error line.
using Setter = std::function<std::expected<void, std::string>(std::string_view, ServerOptions&)>;

struct OptionSpec {
  std::string_view name;     // without the leading "--"
  std::string_view metavar;  // "" for flags that take no value
  std::string_view default_text;
  std::string_view help;
  Setter set;
};

template <typename Int>
std::expected<Int, std::string> ParseInt(std::string_view text, Int min, Int max) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return std::unexpected("expected an integer " + std::to_string(min) + "-" +
                           std::to_string(max));
  }
  return value;
}

bool IsIpLiteral(std::string_view text) {
  std::string s(text);
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::expected<void, std::string> SetFsync(std::string_view text, ServerOptions& o) {
  constexpr std::string_view kInterval = "interval:";
  if (text == "always") {
    o.engine.fsync = EngineOptions::Fsync::kAlways;
  } else if (text == "never") {
    o.engine.fsync = EngineOptions::Fsync::kNever;
  } else if (text.starts_with(kInterval)) {
    auto ms = ParseInt<int64_t>(text.substr(kInterval.size()), 1, 3600000);
    if (!ms) return std::unexpected("expected always, never or interval:MS (MS 1-3600000)");
    o.engine.fsync = EngineOptions::Fsync::kInterval;
    o.engine.fsync_interval_ms = *ms;
  } else {
    return std::unexpected("expected always, never or interval:MS");
  }
  return {};
}

std::expected<void, std::string> SetAdvertise(std::string_view text, ServerOptions& o) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 ||
      !ParseInt<uint32_t>(text.substr(colon + 1), 1, 65535)) {
    return std::unexpected("expected HOST:PORT");
  }
  o.engine.advertise = std::string(text);
  return {};
}

const std::span<const OptionSpec> Table() {
  static const OptionSpec kTable[] = {
      {"bind", "ADDR", "127.0.0.1", "IPv4 or IPv6 literal address to listen on",
       [](std::string_view v, ServerOptions& o) -> std::expected<void, std::string> {
         if (!IsIpLiteral(v)) return std::unexpected("expected an IPv4 or IPv6 literal");
         o.bind = std::string(v);
         return {};
       }},
      {"port", "N", "27017", "TCP port; 0 picks a free port",
       [](std::string_view v, ServerOptions& o) -> std::expected<void, std::string> {
         auto port = ParseInt<uint32_t>(v, 0, 65535);
         if (!port) return std::unexpected(port.error());
         o.port = static_cast<uint16_t>(*port);
         return {};
       }},
      {"replset", "NAME", "rs0", "replica set name reported to drivers",
       [](std::string_view v, ServerOptions& o) -> std::expected<void, std::string> {
         if (v.empty()) return std::unexpected("expected a non-empty name");
         o.engine.replset = std::string(v);
         return {};
       }},
      {"advertise", "HOST:PORT", "bind:actual port",
       "address reported in hello (hosts/me/primary); drivers connect to it", SetAdvertise},
      {"dbpath", "DIR", "(memory only)", "directory for the journal (persistence)",
       [](std::string_view v, ServerOptions& o) -> std::expected<void, std::string> {
         if (v.empty()) return std::unexpected("expected a directory");
         o.engine.dbpath = std::string(v);
         return {};
       }},
      {"oplog-entries", "N", "100000", "change events kept for resuming change streams",
       [](std::string_view v, ServerOptions& o) -> std::expected<void, std::string> {
         auto n = ParseInt<uint64_t>(v, 1, 1000000000);
         if (!n) return std::unexpected(n.error());
         o.engine.oplog_entries = *n;
         return {};
       }},
      {"cursor-timeout-ms", "N", "600000", "idle cursors are closed after this many ms",
       [](std::string_view v, ServerOptions& o) -> std::expected<void, std::string> {
         auto n = ParseInt<int64_t>(v, 1, int64_t{1} << 40);
         if (!n) return std::unexpected(n.error());
         o.engine.cursor_timeout_ms = *n;
         return {};
       }},
      {"fsync", "always|interval:MS|never", "always",
       "when journal writes are made durable (always: before acknowledging)", SetFsync},
      {"max-connections", "N", "10000", "further connections are accepted and closed at once",
       [](std::string_view v, ServerOptions& o) -> std::expected<void, std::string> {
         auto n = ParseInt<uint64_t>(v, 1, 1000000);
         if (!n) return std::unexpected(n.error());
         o.max_connections = *n;
         return {};
       }},
      {"no-test-commands", "", "", "disable configureFailPoint",
       [](std::string_view, ServerOptions& o) -> std::expected<void, std::string> {
         o.engine.enable_test_commands = false;
         return {};
       }},
      {"cpu-policy", "batch|normal", "batch",
       "scheduling policy; batch does not preempt on wake-up (fewer context switches)",
       [](std::string_view v, ServerOptions& o) -> std::expected<void, std::string> {
         auto policy = common::ParseCpuPolicy(v);
         if (!policy) return std::unexpected(policy.error());
         o.cpu_policy = *policy;
         return {};
       }},
      {"quiet", "", "", "do not log per-connection information lines",
       [](std::string_view, ServerOptions& o) -> std::expected<void, std::string> {
         o.quiet = true;
         return {};
       }},
      {"help", "", "", "print this help and exit",
       [](std::string_view, ServerOptions& o) -> std::expected<void, std::string> {
         o.show_help = true;
         return {};
       }},
  };
  return kTable;
}

const OptionSpec* Find(std::string_view name) {
  for (const OptionSpec& spec : Table()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

OptionError Invalid(std::string_view text) {
  return OptionError{"devmongod: " + std::string(text)};
}

}  // namespace

std::expected<ServerOptions, OptionError> ParseOptions(std::span<const char* const> args) {
  ServerOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!arg.starts_with("--"))
      return std::unexpected(Invalid("unexpected argument \"" + std::string(arg) + "\""));
    std::string_view name = arg.substr(2);
    std::string_view value;
    bool has_inline_value = false;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_inline_value = true;
    }
    const OptionSpec* spec = Find(name);
    if (spec == nullptr) {
      return std::unexpected(
          Invalid("unknown option \"--" + std::string(name) + "\" (see --help)"));
    }
    if (spec->metavar.empty()) {
      if (has_inline_value) {
        return std::unexpected(Invalid("option --" + std::string(name) + " takes no value"));
      }
    } else if (!has_inline_value) {
      if (i + 1 >= args.size()) {
        return std::unexpected(Invalid("option --" + std::string(name) + " needs a value " +
                                       std::string(spec->metavar)));
      }
      value = args[++i];
    }
    if (auto ok = spec->set(value, options); !ok) {
      return std::unexpected(Invalid("invalid --" + std::string(name) + " \"" + std::string(value) +
                                     "\": " + ok.error()));
    }
  }
  return options;
}

std::string HelpText() {
  std::string text = "usage: devmongod [options]\n\n";
  text += "A MongoDB-wire-compatible development server (single-node replica set primary).\n\n";
  for (const OptionSpec& spec : Table()) {
    std::string left = "  --" + std::string(spec.name);
    if (!spec.metavar.empty()) {
      left += ' ';
      left += spec.metavar;
    }
    text += left;
    text += left.size() < 34 ? std::string(34 - left.size(), ' ')
                             : std::string("\n") + std::string(34, ' ');
    text += spec.help;
    if (!spec.default_text.empty()) text += " (default: " + std::string(spec.default_text) + ")";
    text += "\n";
  }
  return text;
}

std::string DescribeOptions(const ServerOptions& o) {
  const char* fsync = o.engine.fsync == EngineOptions::Fsync::kAlways  ? "always"
                      : o.engine.fsync == EngineOptions::Fsync::kNever ? "never"
                                                                       : "interval";
  std::string text = "bind=" + o.bind + " port=" + std::to_string(o.port) +
                     " replset=" + o.engine.replset + " advertise=" + o.engine.advertise +
                     " dbpath=" + (o.engine.dbpath.empty() ? "-" : o.engine.dbpath) +
                     " oplog_entries=" + std::to_string(o.engine.oplog_entries) +
                     " cursor_timeout_ms=" + std::to_string(o.engine.cursor_timeout_ms) +
                     " fsync=" + fsync;
  if (o.engine.fsync == EngineOptions::Fsync::kInterval) {
    text += ':';
    text += std::to_string(o.engine.fsync_interval_ms);
  }
  text += " cpu_policy=";
  text += common::CpuPolicyName(o.cpu_policy);
  text += " max_connections=" + std::to_string(o.max_connections) +
          " test_commands=" + (o.engine.enable_test_commands ? "on" : "off");
  return text;
}

}  // namespace devmongod::server
