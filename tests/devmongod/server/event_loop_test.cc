// The event loop against a scripted handler, over real loopback sockets.
#include "devmongod/server/event_loop.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "fake_command_handler.h"
#include "support/wire_client.h"

namespace devmongod::server {
namespace {

using test_support::WireClient;

common::BsonPtr Command(const char* name, int64_t value = 1) {
  common::BsonPtr doc = common::NewBson();
  BSON_APPEND_INT64(doc.get(), name, value);
  BSON_APPEND_UTF8(doc.get(), "$db", "admin");  // OP_MSG requires it
  return doc;
}

std::string StringField(const bson_t& doc, const char* key) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, &doc, key) || !BSON_ITER_HOLDS_UTF8(&it)) return "";
  return bson_iter_utf8(&it, nullptr);
}

double OkField(const bson_t& doc) {
  bson_iter_t it;
  return bson_iter_init_find(&it, &doc, "ok") ? bson_iter_as_double(&it) : -1;
}

template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// Runs an EventLoop with a FakeCommandHandler on a thread; stops it through
// an eventfd, the same way main stops it through a signalfd.
class LoopHarness {
 public:
  explicit LoopHarness(LoopOptions options = {}) {
    options.quiet = true;
    stop_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    auto listener = Listen("127.0.0.1", 0);
    EXPECT_TRUE(listener.has_value()) << listener.error();
    port_ = listener->port;
    auto loop = EventLoop::Create(std::move(*listener), handler_, options, stop_.get());
    EXPECT_TRUE(loop.has_value()) << loop.error();
    loop_ = std::move(*loop);
    thread_ = std::thread([this] { result_ = loop_->Run(); });
  }
  ~LoopHarness() { Stop(); }

  void Stop() {
    if (!thread_.joinable()) return;
    uint64_t one = 1;
    EXPECT_EQ(::write(stop_.get(), &one, sizeof(one)), 8);
    thread_.join();
    EXPECT_TRUE(result_.has_value());
  }

  WireClient Connect() {
    auto c = WireClient::Connect("127.0.0.1", port_);
    EXPECT_TRUE(c.has_value()) << c.error();
    return std::move(*c);
  }

  FakeCommandHandler& handler() { return handler_; }

 private:
  FakeCommandHandler handler_;
  common::UniqueFd stop_;
  uint16_t port_ = 0;
  std::unique_ptr<EventLoop> loop_;
  std::expected<void, std::string> result_;
  std::thread thread_;
};

TEST(EventLoopTest, AnswersOpMsgAndOpQueryMirroringTheOpcode) {
  LoopHarness h;
  WireClient c = h.Connect();
  auto id = c.SendOpMsg(*Command("ping"));
  ASSERT_TRUE(id.has_value());
  auto reply = c.ReadReply();
  ASSERT_TRUE(reply.has_value()) << reply.error();
  EXPECT_EQ(reply->op_code, 2013);
  EXPECT_EQ(reply->response_to, *id);
  EXPECT_EQ(OkField(*reply->body), 1.0);

  auto qid = c.SendOpQuery("admin.$cmd", *Command("ping"));
  ASSERT_TRUE(qid.has_value());
  auto qreply = c.ReadReply();
  ASSERT_TRUE(qreply.has_value()) << qreply.error();
  EXPECT_EQ(qreply->op_code, 1);
  EXPECT_EQ(qreply->response_to, *qid);
  EXPECT_NE(qreply->request_id, reply->request_id);
}

TEST(EventLoopTest, PipelinedRequestsAreAnsweredInOrder) {
  LoopHarness h;
  WireClient c = h.Connect();
  std::string burst;
  for (int i = 1; i <= 500; ++i) burst += WireClient::EncodeOpMsg(i, *Command("ping"));
  ASSERT_TRUE(c.SendRaw(burst).has_value());
  for (int i = 1; i <= 500; ++i) {
    auto reply = c.ReadReply();
    ASSERT_TRUE(reply.has_value()) << reply.error();
    ASSERT_EQ(reply->response_to, i);
  }
}

TEST(EventLoopTest, WaitingRequestWakesWhenAnotherConnectionChangesTheVersion) {
  LoopHarness h;
  WireClient waiter = h.Connect();
  WireClient writer = h.Connect();
  ASSERT_TRUE(waiter.SendOpMsg(*Command("wait", 60000)).has_value());
  // The waiter must still be parked (no reply) before the change.
  ASSERT_TRUE(Eventually([&] { return h.handler().executed() >= 1; }));
  ASSERT_FALSE(waiter.ReadReply(200).has_value());
  auto bumped = writer.RunCommand("admin", *Command("bump"));
  ASSERT_TRUE(bumped.has_value()) << bumped.error();
  auto reply = waiter.ReadReply();
  ASSERT_TRUE(reply.has_value()) << reply.error();
  EXPECT_EQ(StringField(*reply->body, "woke"), "change");
}

TEST(EventLoopTest, WaitingRequestAnswersAtItsDeadline) {
  LoopHarness h;
  WireClient c = h.Connect();
  auto start = std::chrono::steady_clock::now();
  auto reply = c.RunCommand("admin", *Command("wait", 300));
  ASSERT_TRUE(reply.has_value()) << reply.error();
  EXPECT_EQ(StringField(**reply, "woke"), "deadline");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
}

TEST(EventLoopTest, WaitStillParkedAfterAnIrrelevantChangeAnswersAtItsDeadline) {
  LoopHarness h;
  WireClient waiter = h.Connect();
  WireClient writer = h.Connect();
  common::BsonPtr wait = Command("wait", 1500);
  BSON_APPEND_INT64(wait.get(), "until", 5);
  ASSERT_TRUE(waiter.SendOpMsg(*wait).has_value());
  ASSERT_TRUE(Eventually([&] { return h.handler().executed() >= 1; }));
  // Woken and re-run by the change, the request parks again with its deadline.
  ASSERT_TRUE(writer.RunCommand("admin", *Command("bump")).has_value());
  ASSERT_TRUE(Eventually([&] { return h.handler().executed() >= 3; }));
  auto reply = waiter.ReadReply();
  ASSERT_TRUE(reply.has_value()) << reply.error();
  EXPECT_EQ(StringField(*reply->body, "woke"), "deadline");
}

TEST(EventLoopTest, RequestDribbledOneByteAtATimeIsAnswered) {
  LoopHarness h;
  WireClient c = h.Connect();
  std::string bytes = WireClient::EncodeOpMsg(9, *Command("ping"));
  for (char b : bytes) {
    ASSERT_TRUE(c.SendRaw(std::string(1, b)).has_value());
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  auto reply = c.ReadReply();
  ASSERT_TRUE(reply.has_value()) << reply.error();
  EXPECT_EQ(reply->response_to, 9);
}

TEST(EventLoopTest, RepliesAreWrittenOnlyAfterBeforeReplies) {
  LoopHarness h;
  WireClient c = h.Connect();
  for (size_t i = 1; i <= 3; ++i) {
    auto reply = c.RunCommand("admin", *Command("durable"));
    ASSERT_TRUE(reply.has_value()) << reply.error();
    // The acknowledgement must not overtake the (slow) group commit.
    EXPECT_EQ(h.handler().durable_writes(), i);
  }
}

TEST(EventLoopTest, RequestsQueuedBehindAWaitRunAfterIt) {
  LoopHarness h;
  WireClient c = h.Connect();
  std::string both = WireClient::EncodeOpMsg(1, *Command("wait", 300)) +
                     WireClient::EncodeOpMsg(2, *Command("ping"));
  ASSERT_TRUE(c.SendRaw(both).has_value());
  auto first = c.ReadReply();
  ASSERT_TRUE(first.has_value()) << first.error();
  EXPECT_EQ(first->response_to, 1);
  EXPECT_EQ(StringField(*first->body, "woke"), "deadline");
  auto second = c.ReadReply();
  ASSERT_TRUE(second.has_value()) << second.error();
  EXPECT_EQ(second->response_to, 2);
}

TEST(EventLoopTest, DelayedRequestRunsAgainWithTheFailPointApplied) {
  LoopHarness h;
  WireClient c = h.Connect();
  WireClient other = h.Connect();
  ASSERT_TRUE(c.SendOpMsg(*Command("delay", 2000)).has_value());
  // Neither a change event nor other traffic ends a delay early (the delay is
  // long enough for a slow machine to do the bump round trip well before it).
  ASSERT_TRUE(other.RunCommand("admin", *Command("bump")).has_value());
  ASSERT_FALSE(c.ReadReply(150).has_value());
  auto reply = c.ReadReply();
  ASSERT_TRUE(reply.has_value()) << reply.error();
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, reply->body.get(), "delayed"));
}

TEST(EventLoopTest, CloseOutcomeClosesOnlyThatConnection) {
  LoopHarness h;
  WireClient victim = h.Connect();
  WireClient bystander = h.Connect();
  ASSERT_TRUE(victim.SendOpMsg(*Command("close")).has_value());
  EXPECT_TRUE(victim.WaitForClose());
  EXPECT_TRUE(bystander.RunCommand("admin", *Command("ping")).has_value());
  EXPECT_TRUE(Eventually([&] { return h.handler().closed_connections() == 1; }));
}

TEST(EventLoopTest, GarbageClosesTheConnectionAndOthersKeepWorking) {
  LoopHarness h;
  WireClient bystander = h.Connect();
  for (std::string bytes :
       {std::string(64, '\xff'), std::string("\x10\0\0\0\1\0\0\0\0\0\0\0\x39\x30\0\0", 16)}) {
    WireClient c = h.Connect();
    ASSERT_TRUE(c.SendRaw(bytes).has_value());
    EXPECT_TRUE(c.WaitForClose());
  }
  EXPECT_TRUE(bystander.RunCommand("admin", *Command("ping")).has_value());
  EXPECT_TRUE(Eventually([&] { return h.handler().open_connections() == 1; }));
}

TEST(EventLoopTest, MoreToComeGetsNoReply) {
  LoopHarness h;
  WireClient c = h.Connect();
  common::BsonPtr ping = Command("ping");
  std::string both = WireClient::EncodeOpMsg(1, *ping, 1u << 1) + WireClient::EncodeOpMsg(2, *ping);
  ASSERT_TRUE(c.SendRaw(both).has_value());
  auto reply = c.ReadReply();
  ASSERT_TRUE(reply.has_value()) << reply.error();
  EXPECT_EQ(reply->response_to, 2);
  EXPECT_EQ(h.handler().executed(), 2u);
}

TEST(EventLoopTest, ClientThatDoesNotReadIsNotBufferedWithoutBound) {
  LoopOptions options;
  options.max_output_bytes = size_t{2} * 1024 * 1024;
  LoopHarness h(options);
  WireClient c = h.Connect();
  constexpr int kRequests = 200;
  constexpr int kReplyBytes = 512 * 1024;  // 100 MiB of replies in total
  std::string burst;
  for (int i = 1; i <= kRequests; ++i)
    burst += WireClient::EncodeOpMsg(i, *Command("big", kReplyBytes));
  ASSERT_TRUE(c.SendRaw(burst).has_value());
  // The loop stops running this connection's requests once its output is
  // over the limit; only what the kernel buffers let through gets executed.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_LT(h.handler().executed(), static_cast<size_t>(kRequests) / 2);
  for (int i = 1; i <= kRequests; ++i) {
    auto reply = c.ReadReply();
    ASSERT_TRUE(reply.has_value()) << i << ": " << reply.error();
    ASSERT_EQ(reply->response_to, i);
  }
}

TEST(EventLoopTest, StopClosesConnectionsAfterAFinalBeforeReplies) {
  LoopHarness h;
  WireClient c = h.Connect();
  ASSERT_TRUE(c.SendOpMsg(*Command("wait", 60000)).has_value());
  ASSERT_TRUE(Eventually([&] { return h.handler().executed() == 1; }));
  size_t before = h.handler().before_replies();
  h.Stop();
  EXPECT_GT(h.handler().before_replies(), before);
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(h.handler().open_connections(), 0u);
}

TEST(EventLoopTest, TicksAtLeastOncePerSecondWhenIdle) {
  LoopHarness h;
  size_t start = h.handler().ticks();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_GE(h.handler().ticks(), start + 2);
}

TEST(EventLoopTest, ConnectionsBeyondTheLimitAreClosed) {
  LoopOptions options;
  options.max_connections = 2;
  LoopHarness h(options);
  WireClient a = h.Connect();
  WireClient b = h.Connect();
  ASSERT_TRUE(Eventually([&] { return h.handler().open_connections() == 2; }));
  WireClient c = h.Connect();
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_TRUE(a.RunCommand("admin", *Command("ping")).has_value());
}

}  // namespace
}  // namespace devmongod::server
