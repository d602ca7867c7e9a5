#include "bench/http_response_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "bench/latency_stats.h"
#include "bench/load_options.h"
#include "bench/probe_content.h"

namespace bench {
namespace {

// Feeds the text one byte at a time: every state must survive a split.
std::string FeedBytewise(HttpResponseReader& reader, std::string_view text) {
  std::string body;
  for (char c : text) reader.Feed(std::string_view(&c, 1), &body);
  return body;
}

TEST(BenchHttpResponseReader, DechunksAcrossSplitsAndEnds) {
  HttpResponseReader reader;
  std::string body =
      FeedBytewise(reader,
                   "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n"
                   "6\r\n world\r\n0\r\n\r\n");
  EXPECT_EQ(reader.status(), 201);
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(body, "hello world");
}

TEST(BenchHttpResponseReader, ContentLengthBodyAndReset) {
  HttpResponseReader reader;
  std::string body;
  reader.Feed("HTTP/1.1 429 Too Many\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabcEXTRA",
              &body);
  EXPECT_EQ(reader.status(), 429);
  EXPECT_TRUE(reader.done());
  EXPECT_TRUE(reader.connection_close());
  EXPECT_EQ(body, "abc");
  reader.Reset();
  EXPECT_FALSE(reader.head_done());
}

TEST(BenchHttpResponseReader, StreamingChunkedBodyIsNotDone) {
  HttpResponseReader reader;
  std::string body;
  reader.Feed("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n7\r\ndata: x", &body);
  EXPECT_TRUE(reader.head_done());
  EXPECT_FALSE(reader.done());
  EXPECT_EQ(body, "data: x");
}

TEST(BenchHttpResponseReader, RejectsGarbage) {
  HttpResponseReader reader;
  std::string body;
  reader.Feed("SSH-2.0-OpenSSH\r\n\r\n", &body);
  EXPECT_TRUE(reader.failed());
  HttpResponseReader bad_chunk;
  bad_chunk.Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", &body);
  EXPECT_TRUE(bad_chunk.failed());
}

TEST(BenchProbeContent, RoundTripsOnlyForItsRun) {
  std::string json = "{\"_id\":\"1\",\"content\":\"" + FormatProbe(1700000000123456, 42, "r1") +
                     "\",\"room\":\"x\"}";
  auto probe = FindProbe(json, "r1");
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->sent_us, 1700000000123456);
  EXPECT_EQ(probe->seq, 42u);
  EXPECT_FALSE(FindProbe(json, "r10").has_value());
  EXPECT_FALSE(FindProbe("{\"content\":\"hello\"}", "r1").has_value());
}

TEST(BenchLatencyStats, NearestRankPercentiles) {
  LatencyStats stats;
  for (int i = 1; i <= 100; ++i) stats.Add(i * 1000);
  EXPECT_DOUBLE_EQ(stats.PercentileMs(0.5), 50);
  EXPECT_DOUBLE_EQ(stats.PercentileMs(0.99), 99);
  EXPECT_DOUBLE_EQ(stats.PercentileMs(1.0), 100);
  stats.Add(-5);  // a clock step: clamped to zero, never wrapped
  EXPECT_DOUBLE_EQ(stats.PercentileMs(0), 0);
}

TEST(BenchLoadOptions, LoopbackOnlyAndValidated) {
  EXPECT_TRUE(IsLoopbackLiteral("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackLiteral("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackLiteral("::1"));
  EXPECT_FALSE(IsLoopbackLiteral("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackLiteral("localhost"));
  EXPECT_FALSE(ParseLoadOptions({"--port", "80", "--host", "8.8.8.8"}).has_value());
  EXPECT_FALSE(ParseLoadOptions({"--sse", "5"}).has_value());  // no port
  EXPECT_FALSE(ParseLoadOptions({"--port", "80", "--post-rate", "5"}).has_value());
  auto options = ParseLoadOptions({"--port", "8080", "--sse", "7", "--max-seconds", "5"});
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->sse_connections, 7);
  EXPECT_DOUBLE_EQ(options->max_seconds, 5);
}

}  // namespace
}  // namespace bench
