#include "pool/pool_options.h"

#include <charconv>
#include <functional>
#include <string_view>

namespace pool {
namespace {

struct OptionSpec {
  const char* name;
  const char* value_name;
  const char* help;
  std::function<std::string(PoolOptions&, std::string_view)> apply;  // "" or what is wrong
};

std::string ParseInt(std::string_view text, int64_t min, int64_t max, int64_t* out) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
  }
  *out = value;
  return "";
}

const std::vector<OptionSpec>& Table() {
  static const std::vector<OptionSpec> table = {
      {"--socket", "PATH", "listening Unix socket to create and hand to workers on fd 0 (required)",
       [](PoolOptions& o, std::string_view v) {
         o.socket_path = v;
         return v.empty() ? std::string("expected a path") : std::string();
       }},
      {"--socket-mode", "OCTAL", "permissions of the socket file (default 0660)",
       [](PoolOptions& o, std::string_view v) {
         unsigned mode = 0;
         auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), mode, 8);
         if (ec != std::errc() || end != v.data() + v.size() || mode > 0777) {
           return std::string("expected an octal mode such as 0660");
         }
         o.socket_mode = static_cast<mode_t>(mode);
         return std::string();
       }},
      {"--socket-group", "GROUP",
       "group owning the socket, e.g. www-data (default: the pool's group)",
       [](PoolOptions& o, std::string_view v) {
         o.socket_group = v;
         return std::string();
       }},
      {"--backlog", "N", "listen backlog (default: --max-workers, at least 64)",
       [](PoolOptions& o, std::string_view v) {
         int64_t n = 0;
         std::string err = ParseInt(v, 1, 65535, &n);
         o.backlog = static_cast<int>(n);
         return err;
       }},
      {"--min-idle", "N", "workers kept waiting for a request (default 2)",
       [](PoolOptions& o, std::string_view v) {
         int64_t n = 0;
         std::string err = ParseInt(v, 0, 100000, &n);
         o.limits.min_idle = static_cast<int>(n);
         return err;
       }},
      {"--max-workers", "N", "most workers at once, busy or idle (default 16)",
       [](PoolOptions& o, std::string_view v) {
         int64_t n = 0;
         std::string err = ParseInt(v, 1, 100000, &n);
         o.limits.max_workers = static_cast<int>(n);
         return err;
       }},
      {"--idle-timeout", "SECONDS",
       "retire idle workers beyond --min-idle after this long (default 30)",
       [](PoolOptions& o, std::string_view v) {
         int64_t n = 0;
         std::string err = ParseInt(v, 1, 86400, &n);
         o.limits.idle_timeout_ms = n * 1000;
         return err;
       }},
      {"--stop-timeout", "SECONDS",
       "on SIGTERM, wait this long for busy workers before SIGKILL (default 30)",
       [](PoolOptions& o, std::string_view v) {
         int64_t n = 0;
         std::string err = ParseInt(v, 1, 86400, &n);
         o.stop_timeout_ms = n * 1000;
         return err;
       }},
      {"--status-file", "PATH", "JSON file rewritten on every change: busy/idle/total and more",
       [](PoolOptions& o, std::string_view v) {
         o.status_file = v;
         return std::string();
       }},
      {"--cpu-policy", "POLICY",
       "batch (default): workers do not preempt on wake-up, fewer context switches; "
       "or normal",
       [](PoolOptions& o, std::string_view v) {
         auto policy = common::ParseCpuPolicy(v);
         if (!policy) return policy.error();
         o.cpu_policy = *policy;
         return std::string();
       }},
      {"--name", "NAME", "pool name for logs and the status file (default: the program's name)",
       [](PoolOptions& o, std::string_view v) {
         o.name = v;
         return std::string();
       }},
  };
  return table;
}

}  // namespace

std::string PoolHelpText(const std::string& usage) {
  std::string text =
      usage +
      "\nRuns short-lived FastCGI workers on a listening socket, scaling with demand.\n"
      "Signals: SIGTERM/SIGINT stop gracefully; SIGHUP replaces every worker gracefully.\n\n"
      "options:\n";
  for (const auto& spec : Table()) {
    std::string left = std::string("  ") + spec.name + " " + spec.value_name;
    left.resize(std::max<size_t>(left.size() + 1, 28), ' ');
    text += left + spec.help + "\n";
  }
  text += "  --help                    show this help\n";
  return text;
}

std::expected<PoolOptions, std::string> ParsePoolOptions(int argc, char** argv,
                                                         WorkerSource source) {
  PoolOptions options;
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "--help" || arg == "-h") {
      options.show_help = true;
      return options;
    }
    std::string_view name = arg;
    std::string_view value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const OptionSpec* spec = nullptr;
    for (const auto& candidate : Table()) {
      if (name == candidate.name) spec = &candidate;
    }
    if (!spec) return std::unexpected("unknown option \"" + std::string(arg) + "\" (see --help)");
    if (!has_value) {
      if (i + 1 >= argc) return std::unexpected(std::string(name) + " needs a value");
      value = argv[++i];
    }
    std::string problem = spec->apply(options, value);
    if (!problem.empty()) {
      return std::unexpected("invalid " + std::string(name) + " \"" + std::string(value) +
                             "\": " + problem);
    }
  }
  for (; i < argc; ++i) options.command.emplace_back(argv[i]);
  if (options.socket_path.empty()) return std::unexpected(std::string("--socket is required"));
  if (source == WorkerSource::kCommand && options.command.empty())
    return std::unexpected(std::string("no worker program given after --"));
  if (source == WorkerSource::kBuiltIn && !options.command.empty())
    return std::unexpected(std::string("the workers are built in: no program after --"));
  if (source == WorkerSource::kBuiltIn) options.command.emplace_back(argc > 0 ? argv[0] : "");
  if (options.limits.min_idle > options.limits.max_workers) {
    return std::unexpected(std::string("--min-idle must not exceed --max-workers"));
  }
  if (options.name.empty()) {
    const std::string& program = options.command.front();
    size_t slash = program.rfind('/');
    options.name = slash == std::string::npos ? program : program.substr(slash + 1);
  }
  return options;
}

}  // namespace pool
