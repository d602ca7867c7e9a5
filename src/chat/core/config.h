// The programs' configuration from environment variables: one table (name,
// default, validator, doc line) drives loading, --help and the README.
//
//   MONGODB_URI         mongodb://127.0.0.1:27017/chat?replicaSet=rs0  a MongoDB URI;
//                       the database is its path (default "chat")
//   CHAT_COLLECTION     messages   a collection name
//   CHAT_HEARTBEAT_S    15         1..300
//   CHAT_STREAM_MAX_S   600        5..86400
//   CHAT_DB_TIMEOUT_MS  2000       100..60000
//   CHAT_MAX_REQUESTS   per program (stream-messages 100, messages 1000)  1..1000000
//   CHAT_RETRY_MS       2000       100..600000
//
// An empty variable counts as unset (deployment tools often write `VAR=`).
// An invalid value yields one line naming program, variable, value and rule;
// the URI's userinfo (password) never appears in any message.
//
// Thread-safety: pure functions; `env` is called from the calling thread only.
#pragma once

#include <expected>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace chat {

struct Config {
  std::string uri;  // as given (may hold a password: log RedactUri(uri) only)
  std::string database;
  std::string collection;
  int heartbeat_s = 0;
  int stream_max_s = 0;
  int db_timeout_ms = 0;
  int max_requests = 0;
  int retry_ms = 0;
};

struct ConfigSetting {
  std::string_view name;
  std::string_view default_value;  // empty: the program supplies it (CHAT_MAX_REQUESTS)
  std::string_view doc;
  // Stores the parsed value into `config`, or returns the rule it broke
  // ("expected an integer from 1 to 300").
  std::optional<std::string> (*apply)(std::string_view value, Config& config);
};

std::span<const ConfigSetting> ConfigSettings();

// The one rule for Retry-After (503 answers, and the error event of a
// stream): the SSE retry hint CHAT_RETRY_MS, in whole seconds, at least 1.
// A client told to come back then finds what an EventSource would.
inline int RetryAfterSeconds(const Config& config) {
  return config.retry_ms <= 1000 ? 1 : (config.retry_ms + 999) / 1000;
}

// Returns the value of an environment variable, or null when unset (getenv).
using EnvLookup = std::function<const char*(const char*)>;

// Errors look like:
//   stream-messages: invalid CHAT_HEARTBEAT_S="abc": expected an integer from 1 to 300
std::expected<Config, std::string> LoadConfig(std::string_view program_name,
                                              int default_max_requests, const EnvLookup& env);

// One line per setting, for --help.
std::string ConfigHelp(int default_max_requests);

// The URI with its userinfo (user:password@) replaced by "<redacted>@".
std::string RedactUri(std::string_view uri);

}  // namespace chat
