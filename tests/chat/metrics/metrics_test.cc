#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "chat/metrics/exposition.h"
#include "chat/metrics/metrics_file.h"
#include "chat/metrics/recorder.h"

namespace chat::metrics {
namespace {

class MetricsDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/chat-metrics-XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(MetricsDir, CountsAreSharedThroughTheFileAndOutliveTheProcess) {
  std::string warning;
  Recorder parent = Recorder::Open(dir_, Pool::kMessages, &warning);
  ASSERT_TRUE(parent.shared()) << warning;
  parent.Request(Endpoint::kPost, 201);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A separately opened mapping, as an exec'd worker has.
    Recorder worker = Recorder::Open(dir_, Pool::kMessages, nullptr);
    for (int i = 0; i < 1000; ++i) worker.Request(Endpoint::kPost, 201);
    worker.PostLatency(3000);
    _exit(worker.shared() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const Snapshot s = TakeSnapshot(parent.block(), Pool::kMessages);
  EXPECT_EQ(s.at(slot::kRequests + static_cast<size_t>(Endpoint::kPost) * 4), 1001u);
  EXPECT_EQ(s.at(slot::kPostCount), 1u);
  // Reopened later (a new pool after a restart): the counts are still there.
  auto reader = MetricsFile::OpenForReading(dir_, Pool::kMessages);
  ASSERT_TRUE(reader.has_value()) << reader.error();
  EXPECT_EQ(TakeSnapshot(reader->block(), Pool::kMessages).at(slot::kPostCount), 1u);
}

TEST_F(MetricsDir, MissingOrForeignFilesAreRefusedForReading) {
  EXPECT_FALSE(MetricsFile::OpenForReading(dir_, Pool::kStream).has_value());
  FILE* f = std::fopen((dir_ + "/stream-messages.metrics").c_str(), "w");
  std::fputs("not metrics", f);
  std::fclose(f);
  EXPECT_FALSE(MetricsFile::OpenForReading(dir_, Pool::kStream).has_value());
  // Opening for writing resets a foreign file to this layout.
  EXPECT_TRUE(MetricsFile::Open(dir_, Pool::kStream).has_value());
  EXPECT_TRUE(MetricsFile::OpenForReading(dir_, Pool::kStream).has_value());
}

TEST(MetricsRecorderTest, WithoutADirectoryCountingIsPrivate) {
  std::string warning;
  Recorder recorder = Recorder::Open("", Pool::kStream, &warning);
  EXPECT_FALSE(recorder.shared());
  EXPECT_TRUE(warning.empty());
  recorder.Sse(SseEvent::kHeartbeat, 2);
  EXPECT_EQ(TakeSnapshot(recorder.block(), Pool::kStream)
                .at(slot::kSseEvents + static_cast<size_t>(SseEvent::kHeartbeat)),
            2u);
  Recorder broken = Recorder::Open("/nonexistent/dir", Pool::kStream, &warning);
  EXPECT_FALSE(broken.shared());
  EXPECT_NE(warning.find("/nonexistent/dir/stream-messages.metrics"), std::string::npos);
}

TEST(MetricsRecorderTest, StatusClassesAndPrograms) {
  EXPECT_EQ(StatusClassOf(200), StatusClass::k2xx);
  EXPECT_EQ(StatusClassOf(204), StatusClass::k2xx);
  EXPECT_EQ(StatusClassOf(304), StatusClass::k3xx);
  EXPECT_EQ(StatusClassOf(429), StatusClass::k4xx);
  EXPECT_EQ(StatusClassOf(503), StatusClass::k5xx);
  EXPECT_EQ(PoolOfProgram("/usr/bin/stream-messages"), Pool::kStream);
  EXPECT_EQ(PoolOfProgram("messages"), Pool::kMessages);
  EXPECT_FALSE(PoolOfProgram("/bin/sleep").has_value());
}

bool Contains(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(ExpositionTest, CountersGaugesAndCumulativeHistograms) {
  Recorder stream = Recorder::Open("", Pool::kStream, nullptr);
  Recorder messages = Recorder::Open("", Pool::kMessages, nullptr);
  stream.StreamStarted();
  stream.StreamStarted();
  stream.StreamEnded();
  stream.StreamDuration(2'000'000);  // 2 s: in the 5 s bucket
  stream.Request(Endpoint::kStream, 200);
  stream.Sse(SseEvent::kMessage, 3);
  stream.Resume(ResumeOutcome::kHistoryLost);
  stream.PoolState(4, 1, 16, 1234);
  stream.PoolExited(WorkerExit::kCrashed);
  messages.Request(Endpoint::kPost, 201);
  messages.Request(Endpoint::kPost, 400);
  messages.PostLatency(1500);    // 1.5 ms: the 2.5 ms bucket
  messages.PostLatency(40'000);  // 40 ms: the 50 ms bucket
  messages.DatabaseError(DbErrorKind::kUnavailable);
  messages.Rejected(Pool::kStream);
  const std::array snapshots = {TakeSnapshot(stream.block(), Pool::kStream),
                                TakeSnapshot(messages.block(), Pool::kMessages)};
  const std::string text = "\n" + RenderExposition(snapshots);

  EXPECT_TRUE(Contains(text, "# TYPE chat_http_requests_total counter"));
  EXPECT_TRUE(Contains(
      text, R"(chat_http_requests_total{program="messages",endpoint="post",code="2xx"} 1)"));
  EXPECT_TRUE(Contains(
      text, R"(chat_http_requests_total{program="messages",endpoint="post",code="4xx"} 1)"));
  EXPECT_TRUE(Contains(
      text,
      R"(chat_http_requests_total{program="stream-messages",endpoint="stream",code="2xx"} 1)"));
  EXPECT_TRUE(Contains(text, R"(chat_post_duration_seconds_bucket{le="0.001"} 0)"));
  EXPECT_TRUE(Contains(text, R"(chat_post_duration_seconds_bucket{le="0.0025"} 1)"));
  EXPECT_TRUE(Contains(text, R"(chat_post_duration_seconds_bucket{le="0.05"} 2)"));
  EXPECT_TRUE(Contains(text, R"(chat_post_duration_seconds_bucket{le="+Inf"} 2)"));
  EXPECT_TRUE(Contains(text, "chat_post_duration_seconds_sum 0.041500"));
  EXPECT_TRUE(Contains(text, "chat_post_duration_seconds_count 2"));
  EXPECT_TRUE(Contains(text, R"(chat_stream_duration_seconds_bucket{le="1"} 0)"));
  EXPECT_TRUE(Contains(text, R"(chat_stream_duration_seconds_bucket{le="5"} 1)"));
  EXPECT_TRUE(Contains(text, "chat_streams_open 1"));
  EXPECT_TRUE(Contains(text, R"(chat_sse_events_total{kind="message"} 3)"));
  EXPECT_TRUE(Contains(text, R"(chat_stream_resumes_total{outcome="history_lost"} 1)"));
  EXPECT_TRUE(
      Contains(text, R"(chat_database_errors_total{program="messages",kind="unavailable"} 1)"));
  EXPECT_TRUE(Contains(text, R"(chat_pool_workers{pool="stream",state="idle"} 4)"));
  EXPECT_TRUE(Contains(text, R"(chat_pool_workers{pool="stream",state="busy"} 1)"));
  EXPECT_TRUE(Contains(text, R"(chat_pool_max_workers{pool="stream"} 16)"));
  // No pool reported for messages (pid 0): no worker gauges for it.
  EXPECT_EQ(text.find(R"(chat_pool_workers{pool="messages")"), std::string::npos);
  EXPECT_TRUE(Contains(text, R"(chat_pool_workers_exited_total{pool="stream",cause="crashed"} 1)"));
  EXPECT_TRUE(Contains(text, R"(chat_pool_rejected_total{pool="stream"} 1)"));
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace chat::metrics
