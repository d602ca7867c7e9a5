// 2,000 connections each with a change stream parked in a getMore: one
// insert must reach every one of them.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "integration_util.h"
#include "parked_streams.h"
#include "support/process_memory.h"

namespace devmongod::it {
namespace {

using test_support::CollectionPtr;
using test_support::DevMongod;

TEST(FanoutTest, OneInsertReachesTwoThousandParkedStreams) {
  constexpr size_t kStreams = 2000;
  // This process holds one socket per stream (devmongod raises its own limit).
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = limit.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur < kStreams + 100) GTEST_SKIP() << "RLIMIT_NOFILE hard limit too low";

  auto started = DevMongod::Start({"--quiet"});
  ASSERT_TRUE(started.has_value()) << started.error();
  auto& server = **started;
  const std::string coll = UniqueCollection();
  auto before = server.external() ? std::nullopt : test_support::ReadProcessMemory(server.pid());
  auto streams = ParkedStreams::Open(server.host(), server.port(), kDb, coll, kStreams, 60000);
  ASSERT_TRUE(streams.has_value()) << streams.error();
  if (auto after = test_support::ReadProcessMemory(server.pid()); before && after) {
    // Measured about 1.5 KiB per parked stream (connection + cursor); the
    // bound only catches a per-connection buffer creeping in.
    double per_stream = 1024.0 * static_cast<double>(after->rss_kb - before->rss_kb) / kStreams;
    EXPECT_LT(per_stream, 16 * 1024) << "RSS grew " << per_stream << " bytes per parked stream";
  }

  auto client = Connect(server);
  CollectionPtr c(mongoc_client_get_collection(client.get(), kDb, coll.c_str()));
  common::BsonPtr doc = Json(R"({"hello": "everyone"})");
  bson_error_t error;
  ASSERT_TRUE(mongoc_collection_insert_one(c.get(), doc.get(), nullptr, nullptr, &error))
      << error.message;
  auto round = streams->CollectRound(std::chrono::seconds(60));
  ASSERT_TRUE(round.has_value()) << round.error();
  EXPECT_EQ(round->size(), kStreams);
}

}  // namespace
}  // namespace devmongod::it
