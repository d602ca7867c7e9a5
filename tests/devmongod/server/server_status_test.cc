// serverStatus cursor accounting: change-stream cursors are counted while
// open, killCursors removes them, and (devmongod --cursor-timeout-ms) a
// cursor abandoned by a vanished connection is reaped once idle.
#include <gtest/gtest.h>

#include "integration_util.h"
#include "support/wire_client.h"

namespace devmongod::it {
namespace {

using test_support::ChangeStreamPtr;
using test_support::CollectionPtr;
using test_support::DevMongod;
using test_support::WireClient;

constexpr const char* kOpenCursors = "metrics.cursor.open.total";

TEST(ServerStatusTest, OpenCursorCountFollowsAChangeStream) {
  auto started = DevMongod::Start({"--quiet"});
  ASSERT_TRUE(started.has_value()) << started.error();
  auto client = Connect(**started);
  auto before = ServerStatusNumber(client.get(), kOpenCursors);
  ASSERT_TRUE(before.has_value());

  CollectionPtr c(mongoc_client_get_collection(client.get(), kDb, UniqueCollection().c_str()));
  common::BsonPtr pipeline = Json("[]");
  common::BsonPtr opts = Json(R"({"maxAwaitTimeMS": 200})");
  ChangeStreamPtr stream(mongoc_collection_watch(c.get(), pipeline.get(), opts.get()));
  ASSERT_TRUE(stream);
  EXPECT_TRUE(
      Eventually([&] { return ServerStatusNumber(client.get(), kOpenCursors) == *before + 1; },
                 std::chrono::seconds(20)));
  stream.reset();  // killCursors
  EXPECT_TRUE(Eventually([&] { return ServerStatusNumber(client.get(), kOpenCursors) == *before; },
                         std::chrono::seconds(20)));
}

// Database and cluster streams: libmongoc kills them on destroy with
// killCursors "$cmd.aggregate", which must close the cursor (not leave it
// open until the idle timeout).
TEST(ServerStatusTest, DatabaseAndClientStreamsAreClosedOnDestroy) {
  auto started = DevMongod::Start({"--quiet"});
  ASSERT_TRUE(started.has_value()) << started.error();
  auto client = Connect(**started);
  auto before = ServerStatusNumber(client.get(), kOpenCursors);
  ASSERT_TRUE(before.has_value());
  test_support::DatabasePtr db(mongoc_client_get_database(client.get(), kDb));
  common::BsonPtr pipeline = Json("[]");
  common::BsonPtr opts = Json(R"({"maxAwaitTimeMS": 200})");
  ChangeStreamPtr db_stream(mongoc_database_watch(db.get(), pipeline.get(), opts.get()));
  ChangeStreamPtr cluster_stream(mongoc_client_watch(client.get(), pipeline.get(), opts.get()));
  for (mongoc_change_stream_t* stream : {db_stream.get(), cluster_stream.get()}) {
    ASSERT_NE(stream, nullptr);
    bson_error_t error;
    const bson_t* error_doc = nullptr;
    ASSERT_FALSE(mongoc_change_stream_error_document(stream, &error, &error_doc)) << error.message;
  }
  EXPECT_EQ(ServerStatusNumber(client.get(), kOpenCursors), *before + 2);
  db_stream.reset();       // killCursors: "$cmd.aggregate" on the database
  cluster_stream.reset();  // the same on admin
  EXPECT_EQ(ServerStatusNumber(client.get(), kOpenCursors), *before);
}

TEST(ServerStatusTest, AbandonedCursorIsReapedAfterTheIdleTimeout) {
  auto started = DevMongod::Start({"--quiet", "--cursor-timeout-ms", "2000"});
  ASSERT_TRUE(started.has_value()) << started.error();
  auto& server = **started;
  if (server.external()) GTEST_SKIP() << "needs devmongod's --cursor-timeout-ms";
  auto client = Connect(server);
  auto before = ServerStatusNumber(client.get(), kOpenCursors);
  ASSERT_TRUE(before.has_value());
  {
    auto raw = WireClient::Connect(server.host(), server.port());
    ASSERT_TRUE(raw.has_value()) << raw.error();
    common::BsonPtr aggregate = Json(R"({"aggregate": ")" + UniqueCollection() +
                                     R"(", "pipeline": [{"$changeStream": {}}], "cursor": {}})");
    auto reply = raw->RunCommand(kDb, *aggregate);
    ASSERT_TRUE(reply.has_value()) << reply.error();
    ASSERT_NE(IntAt(**reply, "cursor.id").value_or(0), 0) << common::BsonToJson(**reply);
  }  // socket closed without killCursors
  EXPECT_EQ(ServerStatusNumber(client.get(), kOpenCursors), *before + 1);
  EXPECT_TRUE(Eventually([&] { return ServerStatusNumber(client.get(), kOpenCursors) == *before; },
                         std::chrono::seconds(20)));
}

}  // namespace
}  // namespace devmongod::it
