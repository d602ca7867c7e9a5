#include "chat/core/config.h"

#include <algorithm>
#include <iterator>

#include "chat/core/utf8.h"
#include "chat/db/mongo_handles.h"

namespace chat {
namespace {

constexpr std::string_view kDefaultDatabase = "chat";

std::optional<int> ParseInt(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

template <int Config::*kField, int kMin, int kMax>
std::optional<std::string> ApplyInt(std::string_view text, Config& config) {
  const auto value = ParseInt(text);
  if (!value || *value < kMin || *value > kMax) {
    return "expected an integer from " + std::to_string(kMin) + " to " + std::to_string(kMax);
  }
  config.*kField = *value;
  return std::nullopt;
}

// MongoDB's rules for database names on Linux, plus a length cap.
bool IsValidDatabaseName(std::string_view name) {
  return !name.empty() && name.size() < 64 &&
         name.find_first_of(std::string_view("/\\. \"$\0", 7)) == std::string_view::npos;
}

std::optional<std::string> ApplyUri(std::string_view text, Config& config) {
  const std::string uri_text(text);
  bson_error_t error;
  // Parsing only: mongoc_uri_new_with_error does no I/O (SRV records are
  // resolved later, by the client).
  db::UriPtr uri(mongoc_uri_new_with_error(uri_text.c_str(), &error));
  if (!uri) {
    // libmongoc's reason is not shown: some of its messages quote parts of
    // the URI, which may include the password.
    return std::string("expected a MongoDB URI like mongodb://host:27017/chat?replicaSet=rs0");
  }
  const char* database = mongoc_uri_get_database(uri.get());
  const std::string_view name = database ? std::string_view(database) : kDefaultDatabase;
  if (!IsValidDatabaseName(name)) {
    return std::string("expected a database name without / \\ . space \" or $ in the URI path");
  }
  config.uri = uri_text;
  config.database = std::string(name);
  return std::nullopt;
}

std::optional<std::string> ApplyCollection(std::string_view text, Config& config) {
  const bool valid = text.size() <= 120 && IsValidUtf8(text) &&
                     text.find_first_of(std::string_view("$\0", 2)) == std::string_view::npos &&
                     !text.starts_with("system.");
  if (!valid) {
    return std::string(
        "expected a collection name of at most 120 bytes without $ or NUL, not system.*");
  }
  config.collection = std::string(text);
  return std::nullopt;
}

std::optional<std::string> ApplyAuth(std::string_view text, Config& config) {
  if (text == "off") {
    config.auth = AuthMode::kOff;
  } else if (text == "jwt") {
    config.auth = AuthMode::kJwt;
  } else if (text == "trusted-header") {
    config.auth = AuthMode::kTrustedHeader;
  } else {
    return std::string("expected off, jwt or trusted-header");
  }
  return std::nullopt;
}

// Printable ASCII without spaces: names, paths, issuers (never user text).
bool IsPlainToken(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes) return false;
  for (char c : text) {
    if (c <= ' ' || c >= 0x7F) return false;
  }
  return true;
}

template <std::string Config::*kField, size_t kMaxBytes>
std::optional<std::string> ApplyPlain(std::string_view text, Config& config) {
  if (!IsPlainToken(text, kMaxBytes)) {
    return "expected at most " + std::to_string(kMaxBytes) +
           " printable ASCII characters without spaces";
  }
  config.*kField = std::string(text);
  return std::nullopt;
}

std::optional<std::string> ApplyAlgorithms(std::string_view text, Config& config) {
  static constexpr std::string_view kKnown[] = {"HS256", "HS384", "HS512", "RS256", "RS384",
                                                "RS512", "PS256", "PS384", "PS512", "ES256",
                                                "ES384", "ES512", "EdDSA"};
  config.jwt_algorithms.clear();
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view name = text.substr(0, comma);
    if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown)) {
      return std::string(
          "expected a comma-separated list of HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 "
          "PS512 ES256 ES384 ES512 EdDSA (\"none\" is never allowed)");
    }
    config.jwt_algorithms.emplace_back(name);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return std::nullopt;
}

// A cookie name is an RFC 6265 token.
std::optional<std::string> ApplyCookie(std::string_view text, Config& config) {
  const bool valid = !text.empty() && text.size() <= 64 &&
                     text.find_first_of("()<>@,;:\\\"/[]?={} \t") == std::string_view::npos &&
                     IsPlainToken(text, 64);
  if (!valid) return std::string("expected a cookie name (letters, digits, - _ . and the like)");
  config.jwt_cookie = std::string(text);
  return std::nullopt;
}

std::optional<std::string> ApplyMetricsDir(std::string_view text, Config& config) {
  if (text.front() != '/' || text.size() > 1024 || !IsValidUtf8(text) ||
      text.find('\0') != std::string_view::npos) {
    return std::string("expected an absolute directory path");
  }
  config.metrics_dir = std::string(text);
  return std::nullopt;
}

std::optional<std::string> ApplyBool(std::string_view text, Config& config) {
  if (text != "0" && text != "1") return std::string("expected 0 or 1");
  config.moderation_without_auth = text == "1";
  return std::nullopt;
}

constexpr ConfigSetting kSettings[] = {
    {"MONGODB_URI", "mongodb://127.0.0.1:27017/chat?replicaSet=rs0",
     "MongoDB connection string; its path names the database (default chat)", ApplyUri},
    {"CHAT_COLLECTION", "messages", "collection holding the messages", ApplyCollection},
    {"CHAT_HEARTBEAT_S", "15", "seconds between SSE keepalive comments (1-300)",
     ApplyInt<&Config::heartbeat_s, 1, 300>},
    {"CHAT_STREAM_MAX_S", "600",
     "seconds after which a stream ends and the browser reconnects (5-86400)",
     ApplyInt<&Config::stream_max_s, 5, 86400>},
    {"CHAT_DB_TIMEOUT_MS", "2000", "database connect/server-selection timeout (100-60000)",
     ApplyInt<&Config::db_timeout_ms, 100, 60000>},
    {"CHAT_MAX_REQUESTS", "", "requests a worker serves before exiting (1-1000000)",
     ApplyInt<&Config::max_requests, 1, 1000000>},
    {"CHAT_RETRY_MS", "2000",
     "SSE retry hint sent to browsers, and Retry-After of 503s, milliseconds (100-600000)",
     ApplyInt<&Config::retry_ms, 100, 600000>},
    {"CHAT_AUTH", "off",
     "who may read and post: off, jwt (signed tokens) or trusted-header (nginx auth_request)",
     ApplyAuth},
    {"CHAT_JWT_KEY_FILE", "-",
     "with CHAT_AUTH=jwt: an HMAC secret, a PEM public key or a JWKS file (required)",
     ApplyPlain<&Config::jwt_key_file, 4096>},
    {"CHAT_JWT_ALGORITHMS", "-",
     "comma-separated allow-list of token algorithms (default: what the keys allow)",
     ApplyAlgorithms},
    {"CHAT_JWT_ISSUER", "-", "required iss claim (default: not checked)",
     ApplyPlain<&Config::jwt_issuer, 1024>},
    {"CHAT_JWT_AUDIENCE", "-", "required aud claim (default: not checked)",
     ApplyPlain<&Config::jwt_audience, 1024>},
    {"CHAT_JWT_LEEWAY_S", "30", "clock leeway for exp and nbf, seconds (0-300)",
     ApplyInt<&Config::jwt_leeway_s, 0, 300>},
    {"CHAT_JWT_COOKIE", "chat_token", "the cookie that carries the token for browsers",
     ApplyCookie},
    {"CHAT_JWT_NAME_CLAIM", "name", "the claim with the display name (falls back to sub)",
     ApplyPlain<&Config::jwt_name_claim, 128>},
    {"CHAT_EDIT_WINDOW_S", "900", "seconds an author may edit or delete their message (0-31536000)",
     ApplyInt<&Config::edit_window_s, 0, 31536000>},
    {"CHAT_MODERATION_WITHOUT_AUTH", "0",
     "1: with CHAT_AUTH=off anyone may edit and delete (local use and tests only)", ApplyBool},
    {"CHAT_METRICS_DIR", "-",
     "directory of the shared metrics files behind GET /metrics (default: no metrics)",
     ApplyMetricsDir},
};

// Quotes a value for a one-line message: printable ASCII as is, everything
// else as \xHH, cut at 80 bytes (the value is the user's, not ours).
std::string QuoteValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  const size_t shown = value.size() > 80 ? 80 : value.size();
  for (size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (shown < value.size()) out += "...";
  out += '"';
  return out;
}

}  // namespace

std::span<const ConfigSetting> ConfigSettings() { return kSettings; }

std::expected<Config, std::string> LoadConfig(std::string_view program_name,
                                              int default_max_requests, const EnvLookup& env) {
  Config config;
  const std::string max_requests_default = std::to_string(default_max_requests);
  for (const ConfigSetting& setting : kSettings) {
    const std::string name(setting.name);
    const char* raw = env ? env(name.c_str()) : nullptr;
    const bool from_env = raw != nullptr && raw[0] != '\0';
    std::string_view value = from_env                        ? std::string_view(raw)
                             : setting.default_value.empty() ? max_requests_default
                                                             : setting.default_value;
    // "-" is the default of settings that are empty unless given.
    if (!from_env && value == "-") continue;
    if (auto rule = setting.apply(value, config)) {
      const std::string shown =
          setting.name == "MONGODB_URI" ? RedactUri(value) : std::string(value);
      return std::unexpected(std::string(program_name) + ": invalid " + name + "=" +
                             QuoteValue(shown) + ": " + *rule);
    }
  }
  if (config.auth == AuthMode::kJwt && config.jwt_key_file.empty()) {
    return std::unexpected(
        std::string(program_name) +
        ": CHAT_AUTH=jwt needs CHAT_JWT_KEY_FILE (the key that verifies tokens)");
  }
  return config;
}

std::string ConfigHelp(int default_max_requests) {
  std::string out;
  for (const ConfigSetting& setting : kSettings) {
    out += "  ";
    out += setting.name;
    out += " (default ";
    out += setting.default_value.empty()  ? std::to_string(default_max_requests)
           : setting.default_value == "-" ? std::string("none")
                                          : std::string(setting.default_value);
    out += "): ";
    out += setting.doc;
    out += '\n';
  }
  return out;
}

std::string RedactUri(std::string_view uri) {
  // The userinfo ends at an '@'. Taking the last one in the whole text
  // also covers passwords with unescaped '/', '?' or '@', which users do
  // write; an '@' in the options only over-redacts, which is harmless.
  const size_t scheme_end = uri.find("://");
  const size_t authority = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const size_t at = uri.rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(uri);
  return std::string(uri.substr(0, authority)) + "<redacted>" + std::string(uri.substr(at));
}

}  // namespace chat
