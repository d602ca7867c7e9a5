// devmongod's command line: --help, invalid values, a port already taken.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>

#include <string>
#include <utility>
#include <vector>

#include "common/bson_ptr.h"
#include "common/unique_fd.h"
#include "support/devmongod_process.h"
#include "support/mongoc_handles.h"
#include "support/wire_client.h"

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
        "--cursor-timeout-ms", "--fsync", "--max-connections", "--no-test-commands", "--quiet",
        "--cpu-policy"}) {
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

TEST(CliTest, RunsSchedBatchUnlessToldOtherwise) {
  for (auto [args, policy] : {std::pair<std::vector<std::string>, int>{{"--quiet"}, SCHED_BATCH},
                              {{"--quiet", "--cpu-policy", "normal"}, SCHED_OTHER}}) {
    auto server = DevMongod::Start(args);
    ASSERT_TRUE(server.has_value()) << server.error();
    if ((*server)->external()) GTEST_SKIP() << "needs a local devmongod";
    EXPECT_EQ(sched_getscheduler((*server)->pid()), policy) << args.back();
  }
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

namespace devmongod::it {
namespace {

TEST(CliTest, ServesAnIpv6Literal) {
  {
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_loopback;
    common::UniqueFd probe(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!probe.valid() ||
        ::bind(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      GTEST_SKIP() << "no IPv6 loopback on this machine";
    }
  }
  auto server = test_support::DevMongod::Start({"--quiet", "--bind", "::1"});
  ASSERT_TRUE(server.has_value()) << server.error();
  if ((*server)->external()) GTEST_SKIP() << "needs a local devmongod";
  EXPECT_EQ((*server)->host(), "[::1]");
  test_support::ClientPtr client =
      test_support::NewClient((*server)->Uri("serverSelectionTimeoutMS=10000"));
  ASSERT_TRUE(client);
  common::BsonPtr ping(BCON_NEW("ping", BCON_INT32(1)));
  bson_error_t error;
  EXPECT_TRUE(
      mongoc_client_command_simple(client.get(), "admin", ping.get(), nullptr, nullptr, &error))
      << error.message;
}

}  // namespace
}  // namespace devmongod::it

namespace devmongod::it {
namespace {

TEST(CliTest, SigintAndSigtermStopCleanlyWithClientsConnected) {
  for (int signal : {SIGINT, SIGTERM}) {
    auto server = test_support::DevMongod::Start({"--quiet"});
    ASSERT_TRUE(server.has_value()) << server.error();
    if ((*server)->external()) GTEST_SKIP() << "needs a local devmongod";
    auto client = test_support::WireClient::Connect((*server)->host(), (*server)->port());
    ASSERT_TRUE(client.has_value()) << client.error();
    auto status = (*server)->SignalAndWait(signal);
    ASSERT_TRUE(status.has_value()) << status.error();
    EXPECT_EQ(*status, 0) << "signal " << signal;
    EXPECT_TRUE(client->WaitForClose());
  }
}

}  // namespace
}  // namespace devmongod::it
