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
//   CHAT_AUTH           off        off | jwt | trusted-header
//   CHAT_JWT_*          the token rules (key file, algorithms, issuer,
//                       audience, leeway, cookie, name claim)
//   CHAT_EDIT_WINDOW_S  900        0..31536000
//   CHAT_MODERATION_WITHOUT_AUTH  0   0 | 1
//   CHAT_METRICS_DIR    none       an absolute directory (metrics/metrics_file.h)
// CHAT_AUTH=jwt needs CHAT_JWT_KEY_FILE; the other CHAT_JWT_* only apply
// with it.
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
#include <vector>

namespace chat {

// Who the caller is: nobody in particular (off), a signed token (jwt), or
// the identity nginx's auth_request put into FastCGI parameters.
enum class AuthMode { kOff, kJwt, kTrustedHeader };

struct Config {
  std::string uri;  // as given (may hold a password: log RedactUri(uri) only)
  std::string database;
  std::string collection;
  int heartbeat_s = 0;
  int stream_max_s = 0;
  int db_timeout_ms = 0;
  int max_requests = 0;
  int retry_ms = 0;
  AuthMode auth = AuthMode::kOff;
  std::string jwt_key_file;
  std::vector<std::string> jwt_algorithms;  // empty: what the keys allow
  std::string jwt_issuer;                   // empty: not checked
  std::string jwt_audience;                 // empty: not checked
  int jwt_leeway_s = 0;
  std::string jwt_cookie;
  std::string jwt_name_claim;
  int edit_window_s = 0;
  bool moderation_without_auth = false;
  std::string metrics_dir;  // empty: metrics not shared, /metrics off
};

struct ConfigSetting {
  std::string_view name;
  // Empty: the program supplies it (CHAT_MAX_REQUESTS); "-": none (unset).
  std::string_view default_value;
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
