// Change streams through libmongoc: delivery order, maxAwaitTimeMS timeouts,
// resuming after a dropped connection (failCommand) and lost history.
// The failCommand test uses only standard commands, so it also runs against
// a real mongod (MONGODB_URI, with enableTestCommands).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "integration_util.h"

namespace devmongod::it {
namespace {

using test_support::ChangeStreamPtr;
using test_support::ClientPtr;
using test_support::CollectionPtr;
using test_support::DevMongod;

struct Collected {
  std::vector<int64_t> values;  // fullDocument.i of each insert event
  std::string error;            // the stream's error, if it failed
};

// Reads insert events until `count` arrived, the stream fails or 30 s pass.
Collected ReadInserts(mongoc_change_stream_t* stream, size_t count) {
  Collected out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (out.values.size() < count && std::chrono::steady_clock::now() < deadline) {
    const bson_t* event = nullptr;
    if (mongoc_change_stream_next(stream, &event)) {
      auto i = IntAt(*event, "fullDocument.i");
      out.values.push_back(i.value_or(-1));
      continue;
    }
    const bson_t* error_doc = nullptr;
    bson_error_t error;
    if (mongoc_change_stream_error_document(stream, &error, &error_doc)) {
      out.error = std::to_string(error.code) + ": " + error.message;
      return out;
    }
  }
  return out;
}

void InsertRange(mongoc_collection_t* c, int from, int to) {
  for (int i = from; i < to; ++i) {
    common::BsonPtr doc = Json(R"({"i": )" + std::to_string(i) + "}");
    bson_error_t error;
    ASSERT_TRUE(mongoc_collection_insert_one(c, doc.get(), nullptr, nullptr, &error))
        << error.message;
  }
}

std::vector<int64_t> Sequence(int from, int to) {
  std::vector<int64_t> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

ChangeStreamPtr Watch(mongoc_collection_t* c, const std::string& opts_json) {
  common::BsonPtr pipeline = Json("[]");
  common::BsonPtr opts = Json(opts_json);
  return ChangeStreamPtr(mongoc_collection_watch(c, pipeline.get(), opts.get()));
}

class DriverChangeStreamTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> args = {}) {
    args.push_back("--quiet");
    auto started = DevMongod::Start(std::move(args));
    ASSERT_TRUE(started.has_value()) << started.error();
    server_ = std::move(*started);
    reader_ = Connect(*server_);
    writer_ = Connect(*server_);
    coll_name_ = UniqueCollection();
    reader_coll_.reset(mongoc_client_get_collection(reader_.get(), kDb, coll_name_.c_str()));
    writer_coll_.reset(mongoc_client_get_collection(writer_.get(), kDb, coll_name_.c_str()));
  }
  void TearDown() override {
    if (failpoint_set_) {
      common::BsonPtr off = Json(R"({"configureFailPoint": "failCommand", "mode": "off"})");
      bson_error_t error;
      mongoc_client_command_simple(writer_.get(), "admin", off.get(), nullptr, nullptr, &error);
    }
  }

  std::unique_ptr<DevMongod> server_;
  ClientPtr reader_, writer_;
  std::string coll_name_;
  CollectionPtr reader_coll_, writer_coll_;
  bool failpoint_set_ = false;
};

TEST_F(DriverChangeStreamTest, SeesInsertsFromAnotherClientInOrder) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ChangeStreamPtr stream = Watch(reader_coll_.get(), R"({"maxAwaitTimeMS": 1000})");
  ASSERT_TRUE(stream);
  InsertRange(writer_coll_.get(), 0, 50);
  Collected got = ReadInserts(stream.get(), 50);
  EXPECT_EQ(got.error, "");
  EXPECT_EQ(got.values, Sequence(0, 50));
}

TEST_F(DriverChangeStreamTest, MaxAwaitTimeoutReturnsNothingWithoutError) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ChangeStreamPtr stream = Watch(reader_coll_.get(), R"({"maxAwaitTimeMS": 300})");
  ASSERT_TRUE(stream);
  for (int round = 0; round < 3; ++round) {
    const bson_t* event = nullptr;
    EXPECT_FALSE(mongoc_change_stream_next(stream.get(), &event));
    bson_error_t error;
    const bson_t* error_doc = nullptr;
    EXPECT_FALSE(mongoc_change_stream_error_document(stream.get(), &error, &error_doc))
        << error.message;
  }
  // Still usable afterwards.
  InsertRange(writer_coll_.get(), 0, 1);
  EXPECT_EQ(ReadInserts(stream.get(), 1).values, Sequence(0, 1));
}

TEST_F(DriverChangeStreamTest, ResumesAfterGetMoreConnectionIsClosed) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ChangeStreamPtr stream = Watch(reader_coll_.get(), R"({"maxAwaitTimeMS": 500})");
  ASSERT_TRUE(stream);
  InsertRange(writer_coll_.get(), 0, 10);
  Collected first = ReadInserts(stream.get(), 10);
  ASSERT_EQ(first.values, Sequence(0, 10)) << first.error;

  common::BsonPtr fail = Json(R"({"configureFailPoint": "failCommand", "mode": {"times": 1},
                                "data": {"failCommands": ["getMore"], "closeConnection": true}})");
  bson_error_t error;
  auto connections_before = ServerStatusNumber(writer_.get(), "connections.totalCreated");
  ASSERT_TRUE(connections_before.has_value());
  ASSERT_TRUE(
      mongoc_client_command_simple(writer_.get(), "admin", fail.get(), nullptr, nullptr, &error))
      << error.message;
  failpoint_set_ = true;

  InsertRange(writer_coll_.get(), 10, 200);
  Collected rest = ReadInserts(stream.get(), 190);
  EXPECT_EQ(rest.error, "");
  EXPECT_EQ(rest.values, Sequence(10, 200));  // nothing missed, nothing twice
  // The fail point really cut the reader's connection: it had to reconnect.
  EXPECT_GT(ServerStatusNumber(writer_.get(), "connections.totalCreated").value_or(0),
            *connections_before);
}

TEST_F(DriverChangeStreamTest, ResumingFromLostHistoryFailsWith286) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--oplog-entries", "5"}));
  if (server_->external()) GTEST_SKIP() << "needs devmongod's --oplog-entries";
  ChangeStreamPtr stream = Watch(reader_coll_.get(), R"({"maxAwaitTimeMS": 500})");
  ASSERT_TRUE(stream);
  InsertRange(writer_coll_.get(), 0, 1);
  ASSERT_EQ(ReadInserts(stream.get(), 1).values, Sequence(0, 1));
  common::BsonPtr token = common::CopyBson(*mongoc_change_stream_get_resume_token(stream.get()));
  stream.reset();
  InsertRange(writer_coll_.get(), 1, 12);

  common::BsonPtr opts = common::NewBson();
  BSON_APPEND_DOCUMENT(opts.get(), "resumeAfter", token.get());
  BSON_APPEND_INT32(opts.get(), "maxAwaitTimeMS", 500);
  common::BsonPtr pipeline = Json("[]");
  ChangeStreamPtr resumed(mongoc_collection_watch(reader_coll_.get(), pipeline.get(), opts.get()));
  ASSERT_TRUE(resumed);
  const bson_t* event = nullptr;
  EXPECT_FALSE(mongoc_change_stream_next(resumed.get(), &event));
  bson_error_t error;
  const bson_t* error_doc = nullptr;
  ASSERT_TRUE(mongoc_change_stream_error_document(resumed.get(), &error, &error_doc));
  EXPECT_EQ(error.code, 286u) << error.message;
  ASSERT_NE(error_doc, nullptr);
  EXPECT_EQ(IntAt(*error_doc, "code"), 286);
}

}  // namespace
}  // namespace devmongod::it
