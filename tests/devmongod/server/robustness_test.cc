// Malformed input closes only the offending connection: garbage, bad and
// huge lengths, truncated messages, unknown opcodes. Runs against a real
// mongod too (MONGODB_URI), which behaves the same way.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "integration_util.h"
#include "support/wire_client.h"

namespace devmongod::it {
namespace {

using test_support::DevMongod;
using test_support::WireClient;

std::string Int32(int32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i)
    s[i] = static_cast<char>((static_cast<uint32_t>(v) >> (8 * i)) & 0xff);
  return s;
}

std::string Header(int32_t length, int32_t op_code) {
  return Int32(length) + Int32(1) + Int32(0) + Int32(op_code);
}

TEST(RobustnessTest, MalformedInputClosesTheConnectionAndOthersKeepWorking) {
  auto started = DevMongod::Start();
  ASSERT_TRUE(started.has_value()) << started.error();
  auto& server = **started;
  auto client = Connect(server);
  auto baseline = ServerStatusNumber(client.get(), "connections.current");
  ASSERT_TRUE(baseline.has_value());

  common::BsonPtr ping = Json(R"({"ping": 1, "$db": "admin"})");
  std::string valid = WireClient::EncodeOpMsg(7, *ping);
  struct Case {
    const char* name;
    std::string bytes;
    bool then_shutdown;  // a truncated message is only detectable at EOF
  };
  std::vector<Case> cases = {
      {"garbage", std::string(64, '\xff'), false},
      {"length below header", Header(5, 2013) + std::string(32, '\0'), false},
      {"negative length", Header(-20, 2013) + std::string(32, '\0'), false},
      {"huge length", Header(0x7fffffff, 2013) + std::string(32, '\0'), false},
      {"unknown opcode", Header(26, 4242) + std::string(10, '\0'), false},
      // 40 bytes whose body document claims 100.
      {"document past the message",
       Header(40, 2013) + Int32(0) + std::string(1, '\0') + Int32(100) + std::string(15, '\x01'),
       false},
      {"truncated", valid.substr(0, valid.size() - 3), true},
  };

  std::vector<WireClient> raws;
  for (size_t i = 0; i < cases.size(); ++i) {
    auto raw = WireClient::Connect(server.host(), server.port());
    ASSERT_TRUE(raw.has_value()) << raw.error();
    raws.push_back(std::move(*raw));
  }
  EXPECT_TRUE(Eventually(
      [&] {
        return ServerStatusNumber(client.get(), "connections.current") ==
               *baseline + static_cast<int64_t>(cases.size());
      },
      std::chrono::seconds(20)));

  for (size_t i = 0; i < cases.size(); ++i) {
    ASSERT_TRUE(raws[i].SendRaw(cases[i].bytes).has_value()) << cases[i].name;
    if (cases[i].then_shutdown) ::shutdown(raws[i].fd(), SHUT_WR);
    EXPECT_TRUE(raws[i].WaitForClose()) << cases[i].name;
  }

  auto healthy = WireClient::Connect(server.host(), server.port());
  ASSERT_TRUE(healthy.has_value()) << healthy.error();
  auto pong = healthy->RunCommand("admin", *Json(R"({"ping": 1})"));
  ASSERT_TRUE(pong.has_value()) << pong.error();
  EXPECT_EQ(IntAt(**pong, "ok"), 1);
  EXPECT_TRUE(Eventually(
      [&] { return ServerStatusNumber(client.get(), "connections.current") == *baseline + 1; },
      std::chrono::seconds(20)));
}

}  // namespace
}  // namespace devmongod::it
