#include "chat/core/config.h"

#include <gtest/gtest.h>

#include <map>

namespace chat {
namespace {

// A fake environment.
EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

std::string ErrorFor(const std::string& name, const std::string& value) {
  auto config = LoadConfig("stream-messages", 1, Env({{name, value}}));
  return config ? std::string("ok") : config.error();
}

TEST(ConfigTest, Defaults) {
  auto config = LoadConfig("stream-messages", 1, Env({}));
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->uri, "mongodb://127.0.0.1:27017/chat?replicaSet=rs0");
  EXPECT_EQ(config->database, "chat");
  EXPECT_EQ(config->collection, "messages");
  EXPECT_EQ(config->heartbeat_s, 15);
  EXPECT_EQ(config->stream_max_s, 600);
  EXPECT_EQ(config->db_timeout_ms, 2000);
  EXPECT_EQ(config->max_requests, 1);
  EXPECT_EQ(config->retry_ms, 2000);
  EXPECT_EQ(LoadConfig("messages", 1000, Env({}))->max_requests, 1000);
}

TEST(ConfigTest, ValuesFromEnvironment) {
  auto config = LoadConfig("messages", 1000,
                           Env({{"MONGODB_URI", "mongodb://db1,db2/prod?replicaSet=x"},
                                {"CHAT_COLLECTION", "msgs"},
                                {"CHAT_HEARTBEAT_S", "1"},
                                {"CHAT_STREAM_MAX_S", "86400"},
                                {"CHAT_DB_TIMEOUT_MS", "100"},
                                {"CHAT_MAX_REQUESTS", "1000000"},
                                {"CHAT_RETRY_MS", "600000"}}));
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->database, "prod");
  EXPECT_EQ(config->collection, "msgs");
  EXPECT_EQ(config->heartbeat_s, 1);
  EXPECT_EQ(config->stream_max_s, 86400);
  EXPECT_EQ(config->db_timeout_ms, 100);
  EXPECT_EQ(config->max_requests, 1000000);
  EXPECT_EQ(config->retry_ms, 600000);
}

TEST(ConfigTest, UriWithoutDatabaseDefaultsToChat) {
  auto config = LoadConfig("messages", 1, Env({{"MONGODB_URI", "mongodb://localhost:27017"}}));
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->database, "chat");
}

TEST(ConfigTest, EmptyValueMeansDefault) {
  auto config = LoadConfig("messages", 1, Env({{"CHAT_HEARTBEAT_S", ""}}));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->heartbeat_s, 15);
}

TEST(ConfigTest, InvalidIntegersGiveOneLineNamingTheVariable) {
  EXPECT_EQ(ErrorFor("CHAT_HEARTBEAT_S", "abc"),
            "stream-messages: invalid CHAT_HEARTBEAT_S=\"abc\": expected an integer from 1 to 300");
  struct Case {
    const char* name;
    const char* value;
    const char* rule;
  } cases[] = {{"CHAT_HEARTBEAT_S", "0", "from 1 to 300"},
               {"CHAT_HEARTBEAT_S", "301", "from 1 to 300"},
               {"CHAT_HEARTBEAT_S", " 15", "from 1 to 300"},
               {"CHAT_STREAM_MAX_S", "4", "from 5 to 86400"},
               {"CHAT_STREAM_MAX_S", "86401", "from 5 to 86400"},
               {"CHAT_DB_TIMEOUT_MS", "99", "from 100 to 60000"},
               {"CHAT_DB_TIMEOUT_MS", "-5", "from 100 to 60000"},
               {"CHAT_MAX_REQUESTS", "0", "from 1 to 1000000"},
               {"CHAT_MAX_REQUESTS", "99999999999", "from 1 to 1000000"},
               {"CHAT_RETRY_MS", "1e3", "from 100 to 600000"},
               {"CHAT_RETRY_MS", "600001", "from 100 to 600000"}};
  for (const Case& c : cases) {
    const std::string error = ErrorFor(c.name, c.value);
    EXPECT_EQ(error.rfind(std::string("stream-messages: invalid ") + c.name + "=", 0), 0u) << error;
    EXPECT_NE(error.find(c.rule), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos);
  }
}

TEST(ConfigTest, ControlCharactersInValuesStayOnOneLine) {
  const std::string error = ErrorFor("CHAT_HEARTBEAT_S", "1\n2\"");
  EXPECT_EQ(error,
            "stream-messages: invalid CHAT_HEARTBEAT_S=\"1\\x0A2\\x22\": expected an "
            "integer from 1 to 300");
}

TEST(ConfigTest, InvalidCollection) {
  for (const char* bad : {"a$b", "system.users", "\xff"}) {
    const std::string error = ErrorFor("CHAT_COLLECTION", bad);
    EXPECT_EQ(error.rfind("stream-messages: invalid CHAT_COLLECTION=", 0), 0u) << error;
  }
  EXPECT_NE(ErrorFor("CHAT_COLLECTION", std::string(121, 'c')), "ok");
}

TEST(ConfigTest, InvalidUriNeverShowsThePassword) {
  for (const char* bad : {"http://user:s3cret@host/chat", "mongodb://user:s3cret@",
                          "mongodb://user:s3cret@host/bad.db", "mongodb://user:s3cret@host:99999",
                          "mongodb://user:s3cret@host/?replicaSet=", "user:s3cret@host",
                          "mongodb://user:s3c:ret@host", "mongodb://user:s3cret%zz@host"}) {
    const std::string error = ErrorFor("MONGODB_URI", bad);
    EXPECT_EQ(error.rfind("stream-messages: invalid MONGODB_URI=", 0), 0u) << error;
    EXPECT_EQ(error.find("s3c"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos);
  }
}

TEST(ConfigTest, RedactUri) {
  EXPECT_EQ(RedactUri("mongodb://user:pw@host:27017/chat?replicaSet=rs0"),
            "mongodb://<redacted>@host:27017/chat?replicaSet=rs0");
  EXPECT_EQ(RedactUri("mongodb://127.0.0.1/chat"), "mongodb://127.0.0.1/chat");
  EXPECT_EQ(RedactUri("mongodb+srv://u:p@cluster.example/db"),
            "mongodb+srv://<redacted>@cluster.example/db");
  // Unescaped '/', '?' and '@' in a password still do not leak.
  EXPECT_EQ(RedactUri("mongodb://u:a/b?c@d@host/db").find("a/b"), std::string::npos);
  EXPECT_EQ(RedactUri("mongodb://u:a/b?c@d@host/db"), "mongodb://<redacted>@host/db");
  EXPECT_EQ(RedactUri("u:p@host"), "<redacted>@host");
}

TEST(ConfigTest, AuthIsOffByDefault) {
  auto config = LoadConfig("messages", 1000, Env({}));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->auth, AuthMode::kOff);
  EXPECT_EQ(config->jwt_key_file, "");
  EXPECT_TRUE(config->jwt_algorithms.empty());
  EXPECT_EQ(config->jwt_leeway_s, 30);
  EXPECT_EQ(config->jwt_cookie, "chat_token");
  EXPECT_EQ(config->jwt_name_claim, "name");
  EXPECT_EQ(config->edit_window_s, 900);
  EXPECT_FALSE(config->moderation_without_auth);
}

TEST(ConfigTest, JwtSettings) {
  auto config = LoadConfig("messages", 1000,
                           Env({{"CHAT_AUTH", "jwt"},
                                {"CHAT_JWT_KEY_FILE", "/etc/chat/jwks.json"},
                                {"CHAT_JWT_ALGORITHMS", "RS256,EdDSA"},
                                {"CHAT_JWT_ISSUER", "https://login.example"},
                                {"CHAT_JWT_AUDIENCE", "chat"},
                                {"CHAT_JWT_LEEWAY_S", "5"},
                                {"CHAT_JWT_COOKIE", "sid"},
                                {"CHAT_JWT_NAME_CLAIM", "preferred_username"},
                                {"CHAT_EDIT_WINDOW_S", "60"}}));
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->auth, AuthMode::kJwt);
  EXPECT_EQ(config->jwt_key_file, "/etc/chat/jwks.json");
  EXPECT_EQ(config->jwt_algorithms, (std::vector<std::string>{"RS256", "EdDSA"}));
  EXPECT_EQ(config->jwt_issuer, "https://login.example");
  EXPECT_EQ(config->jwt_audience, "chat");
  EXPECT_EQ(config->jwt_leeway_s, 5);
  EXPECT_EQ(config->jwt_cookie, "sid");
  EXPECT_EQ(config->jwt_name_claim, "preferred_username");
  EXPECT_EQ(config->edit_window_s, 60);
  EXPECT_EQ(LoadConfig("m", 1, Env({{"CHAT_AUTH", "trusted-header"}}))->auth,
            AuthMode::kTrustedHeader);
  EXPECT_TRUE(
      LoadConfig("m", 1, Env({{"CHAT_MODERATION_WITHOUT_AUTH", "1"}}))->moderation_without_auth);
}

TEST(ConfigTest, AuthErrorsAreOneLine) {
  EXPECT_EQ(ErrorFor("CHAT_AUTH", "JWT"),
            "stream-messages: invalid CHAT_AUTH=\"JWT\": expected off, jwt or trusted-header");
  EXPECT_EQ(
      ErrorFor("CHAT_AUTH", "jwt"),
      "stream-messages: CHAT_AUTH=jwt needs CHAT_JWT_KEY_FILE (the key that verifies tokens)");
  EXPECT_NE(ErrorFor("CHAT_JWT_ALGORITHMS", "none").find("\"none\" is never allowed"),
            std::string::npos);
  EXPECT_NE(ErrorFor("CHAT_JWT_ALGORITHMS", "RS256,,HS256"), "ok");
  EXPECT_NE(ErrorFor("CHAT_JWT_COOKIE", "a=b"), "ok");
  EXPECT_NE(ErrorFor("CHAT_JWT_ISSUER", "has space"), "ok");
  EXPECT_NE(ErrorFor("CHAT_JWT_LEEWAY_S", "301"), "ok");
  EXPECT_NE(ErrorFor("CHAT_MODERATION_WITHOUT_AUTH", "yes"), "ok");
}

TEST(ConfigTest, RetryAfterIsTheRetryHintInWholeSecondsAtLeastOne) {
  Config config;
  for (auto [retry_ms, seconds] : {std::pair{100, 1}, {1000, 1}, {1001, 2}, {2000, 2}, {2500, 3}}) {
    config.retry_ms = retry_ms;
    EXPECT_EQ(RetryAfterSeconds(config), seconds) << retry_ms;
  }
}

TEST(ConfigTest, HelpListsEveryVariable) {
  const std::string help = ConfigHelp(1000);
  for (const ConfigSetting& setting : ConfigSettings()) {
    EXPECT_NE(help.find(setting.name), std::string::npos) << setting.name;
  }
  EXPECT_NE(help.find("CHAT_MAX_REQUESTS (default 1000)"), std::string::npos) << help;
  EXPECT_NE(help.find("CHAT_HEARTBEAT_S (default 15)"), std::string::npos) << help;
  EXPECT_NE(help.find("CHAT_JWT_ISSUER (default none)"), std::string::npos) << help;
}

}  // namespace
}  // namespace chat
