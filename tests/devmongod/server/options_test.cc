#include "devmongod/server/options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace devmongod::server {
namespace {

std::expected<ServerOptions, OptionError> Parse(const std::vector<const char*>& args) {
  return ParseOptions(args);
}

TEST(ServerOptionsTest, DefaultsMatchTheDocumentation) {
  auto o = Parse({});
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->bind, "127.0.0.1");
  EXPECT_EQ(o->port, 27017);
  EXPECT_EQ(o->engine.replset, "rs0");
  EXPECT_EQ(o->engine.advertise, "");
  EXPECT_EQ(o->engine.dbpath, "");
  EXPECT_EQ(o->engine.oplog_entries, 100000u);
  EXPECT_EQ(o->engine.cursor_timeout_ms, 600000);
  EXPECT_EQ(o->engine.fsync, EngineOptions::Fsync::kAlways);
  EXPECT_EQ(o->max_connections, 10000u);
  EXPECT_TRUE(o->engine.enable_test_commands);
  EXPECT_FALSE(o->quiet);
  EXPECT_FALSE(o->show_help);
  EXPECT_EQ(o->cpu_policy, common::CpuPolicy::kBatch);
}

TEST(ServerOptionsTest, EveryOptionIsApplied) {
  auto o = Parse({"--bind",
                  "::1",
                  "--port=0",
                  "--replset",
                  "rsX",
                  "--advertise",
                  "db.local:9999",
                  "--dbpath",
                  "/tmp/x",
                  "--oplog-entries",
                  "5",
                  "--cursor-timeout-ms",
                  "2000",
                  "--fsync",
                  "interval:50",
                  "--max-connections",
                  "3",
                  "--no-test-commands",
                  "--quiet",
                  "--cpu-policy",
                  "normal"});
  ASSERT_TRUE(o.has_value()) << o.error().message;
  EXPECT_EQ(o->bind, "::1");
  EXPECT_EQ(o->port, 0);
  EXPECT_EQ(o->engine.replset, "rsX");
  EXPECT_EQ(o->engine.advertise, "db.local:9999");
  EXPECT_EQ(o->engine.dbpath, "/tmp/x");
  EXPECT_EQ(o->engine.oplog_entries, 5u);
  EXPECT_EQ(o->engine.cursor_timeout_ms, 2000);
  EXPECT_EQ(o->engine.fsync, EngineOptions::Fsync::kInterval);
  EXPECT_EQ(o->engine.fsync_interval_ms, 50);
  EXPECT_EQ(o->max_connections, 3u);
  EXPECT_FALSE(o->engine.enable_test_commands);
  EXPECT_TRUE(o->quiet);
  EXPECT_EQ(o->cpu_policy, common::CpuPolicy::kNormal);
}

TEST(ServerOptionsTest, FsyncNever) {
  auto o = Parse({"--fsync", "never"});
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->engine.fsync, EngineOptions::Fsync::kNever);
}

TEST(ServerOptionsTest, InvalidPortIsOneLineWithExitCode2) {
  auto o = Parse({"--port", "x"});
  ASSERT_FALSE(o.has_value());
  EXPECT_EQ(o.error().exit_code, 2);
  EXPECT_EQ(o.error().message, "devmongod: invalid --port \"x\": expected an integer 0-65535");
}

TEST(ServerOptionsTest, RejectsBadValues) {
  for (auto args : std::vector<std::vector<const char*>>{
           {"--port", "65536"},
           {"--port", "-1"},
           {"--port", "80x"},
           {"--bind", "localhost"},
           {"--fsync", "sometimes"},
           {"--fsync", "interval:0"},
           {"--oplog-entries", "0"},
           {"--advertise", "nohostport"},
           {"--max-connections", ""},
           {"--cpu-policy", "fifo"},
           {"--quiet=yes"},
           {"--port"},
           {"--nope"},
           {"positional"},
       }) {
    auto o = Parse(args);
    EXPECT_FALSE(o.has_value()) << args[0];
    if (!o) {
      EXPECT_EQ(o.error().exit_code, 2);
      EXPECT_TRUE(o.error().message.starts_with("devmongod: ")) << o.error().message;
      EXPECT_EQ(o.error().message.find('\n'), std::string::npos);
    }
  }
}

TEST(ServerOptionsTest, HelpListsEveryOption) {
  auto o = Parse({"--help"});
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->show_help);
  std::string help = HelpText();
  for (const char* name : {"--bind", "--port", "--replset", "--advertise", "--dbpath",
                           "--oplog-entries", "--cursor-timeout-ms", "--fsync", "--max-connections",
                           "--no-test-commands", "--quiet", "--help"}) {
    EXPECT_NE(help.find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace devmongod::server
