// devmongod's command line: --help, invalid values, a port already taken.
#include <gtest/gtest.h>

#include "support/devmongod_process.h"

namespace devmongod::it {
namespace {

using test_support::DevMongod;
using test_support::RunDevMongodToCompletion;

TEST(CliTest, HelpListsEveryOption) {
  auto run = RunDevMongodToCompletion({"--help"});
  ASSERT_TRUE(run.has_value()) << run.error();
  EXPECT_EQ(run->exit_code, 0);
  for (const char* option :
       {"--bind", "--port", "--replset", "--advertise", "--dbpath", "--oplog-entries",
        "--cursor-timeout-ms", "--fsync", "--max-connections", "--no-test-commands", "--quiet"}) {
    EXPECT_NE(run->out.find(option), std::string::npos) << option;
  }
}

TEST(CliTest, InvalidValueIsOneLineAndExitCode2) {
  auto run = RunDevMongodToCompletion({"--port", "x"});
  ASSERT_TRUE(run.has_value()) << run.error();
  EXPECT_EQ(run->exit_code, 2);
  EXPECT_EQ(run->err, "devmongod: invalid --port \"x\": expected an integer 0-65535\n");
  EXPECT_EQ(run->out, "");
}

TEST(CliTest, PortAlreadyTakenIsOneClearLine) {
  auto first = DevMongod::Start({"--quiet"});
  ASSERT_TRUE(first.has_value()) << first.error();
  if ((*first)->external()) GTEST_SKIP() << "needs a local devmongod";
  std::string port = std::to_string((*first)->port());
  auto run = RunDevMongodToCompletion({"--port", port});
  ASSERT_TRUE(run.has_value()) << run.error();
  EXPECT_EQ(run->exit_code, 1);
  EXPECT_EQ(run->err,
            "devmongod: cannot listen on 127.0.0.1:" + port + ": Address already in use\n");
}

}  // namespace
}  // namespace devmongod::it
