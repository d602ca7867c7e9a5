#include "pool/pool_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pool {
namespace {

std::expected<PoolOptions, std::string> Parse(std::vector<std::string> args,
                                              WorkerSource source = WorkerSource::kCommand) {
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  return ParsePoolOptions(static_cast<int>(argv.size()), argv.data(), source);
}

TEST(PoolOptionsTest, CommandAfterDashDashIsTheWorker) {
  auto options =
      Parse({"chat-pool", "--socket", "/tmp/s", "--max-workers=8", "--", "/usr/bin/w", "-x"});
  ASSERT_TRUE(options) << options.error();
  EXPECT_EQ(options->command, (std::vector<std::string>{"/usr/bin/w", "-x"}));
  EXPECT_EQ(options->name, "w");
  EXPECT_EQ(options->limits.max_workers, 8);
}

TEST(PoolOptionsTest, CommandIsRequiredForChatPool) {
  auto options = Parse({"chat-pool", "--socket", "/tmp/s"});
  ASSERT_FALSE(options);
  EXPECT_EQ(options.error(), "no worker program given after --");
}

TEST(PoolOptionsTest, BuiltInWorkersTakeNoCommandAndTheProgramsName) {
  auto options =
      Parse({"/opt/chat/bin/stream-messages", "--socket", "/tmp/s"}, WorkerSource::kBuiltIn);
  ASSERT_TRUE(options) << options.error();
  EXPECT_EQ(options->name, "stream-messages");
  EXPECT_EQ(options->command, (std::vector<std::string>{"/opt/chat/bin/stream-messages"}));

  auto extra = Parse({"messages", "--socket", "/tmp/s", "--", "/bin/true"}, WorkerSource::kBuiltIn);
  ASSERT_FALSE(extra);
  EXPECT_EQ(extra.error(), "the workers are built in: no program after --");
}

TEST(PoolOptionsTest, ErrorsNameTheOptionAndTheRule) {
  auto bad = Parse({"chat-pool", "--socket", "/tmp/s", "--min-idle", "-1", "--", "w"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "invalid --min-idle \"-1\": expected an integer from 0 to 100000");
  auto unknown = Parse({"chat-pool", "--sockets", "/tmp/s"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), "unknown option \"--sockets\" (see --help)");
  auto order = Parse(
      {"chat-pool", "--socket", "/tmp/s", "--min-idle", "5", "--max-workers", "2", "--", "w"});
  ASSERT_FALSE(order);
  EXPECT_EQ(order.error(), "--min-idle must not exceed --max-workers");
}

TEST(PoolOptionsTest, CpuPolicyIsBatchUnlessSaidOtherwise) {
  auto defaults = Parse({"chat-pool", "--socket", "/tmp/s", "--", "w"});
  ASSERT_TRUE(defaults) << defaults.error();
  EXPECT_EQ(defaults->cpu_policy, common::CpuPolicy::kBatch);
  auto normal = Parse({"chat-pool", "--socket", "/tmp/s", "--cpu-policy=normal", "--", "w"});
  ASSERT_TRUE(normal) << normal.error();
  EXPECT_EQ(normal->cpu_policy, common::CpuPolicy::kNormal);
  auto bad = Parse({"chat-pool", "--socket", "/tmp/s", "--cpu-policy", "fifo", "--", "w"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "invalid --cpu-policy \"fifo\": expected batch or normal");
}

TEST(PoolOptionsTest, HelpStartsWithTheGivenUsageAndListsEveryOption) {
  std::string help = PoolHelpText("usage: x --pool");
  EXPECT_EQ(help.rfind("usage: x --pool\n", 0), 0u);
  for (const char* option : {"--socket", "--min-idle", "--max-workers", "--idle-timeout",
                             "--stop-timeout", "--status-file", "--backlog", "--name"}) {
    EXPECT_NE(help.find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace pool
