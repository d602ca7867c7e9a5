// Drivers accept devmongod as the primary of a replica set, single-threaded
// and pooled, and basic CRUD round trips work through libmongoc.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "integration_util.h"

namespace devmongod::it {
namespace {

using test_support::ClientPoolPtr;
using test_support::CollectionPtr;
using test_support::CursorPtr;
using test_support::DevMongod;
using test_support::UriPtr;

class HandshakeCrudTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = DevMongod::Start({"--quiet"});
    ASSERT_TRUE(started.has_value()) << started.error();
    server_ = std::move(*started);
  }
  std::unique_ptr<DevMongod> server_;
};

TEST_F(HandshakeCrudTest, SingleThreadedClientSelectsThePrimaryAndPings) {
  auto client = Connect(*server_);
  ASSERT_TRUE(client);
  bson_error_t error;
  mongoc_server_description_t* sd =
      mongoc_client_select_server(client.get(), /*for_writes=*/true, nullptr, &error);
  ASSERT_NE(sd, nullptr) << error.message;
  EXPECT_STREQ(mongoc_server_description_type(sd), "RSPrimary");
  mongoc_server_description_destroy(sd);

  common::BsonPtr ping = Json(R"({"ping": 1})");
  bson_t reply;
  bool ok =
      mongoc_client_command_simple(client.get(), "admin", ping.get(), nullptr, &reply, &error);
  bson_destroy(&reply);
  EXPECT_TRUE(ok) << error.message;
}

TEST_F(HandshakeCrudTest, PooledClientsOnSeveralThreads) {
  UriPtr uri(mongoc_uri_new(server_->Uri("serverSelectionTimeoutMS=10000").c_str()));
  ASSERT_TRUE(uri);
  ClientPoolPtr pool(mongoc_client_pool_new(uri.get()));
  ASSERT_TRUE(pool);
  const std::string coll = UniqueCollection();
  constexpr int kThreads = 4;
  constexpr int kInsertsPerThread = 25;
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      mongoc_client_t* client = mongoc_client_pool_pop(pool.get());
      CollectionPtr c(mongoc_client_get_collection(client, kDb, coll.c_str()));
      for (int i = 0; i < kInsertsPerThread && errors[t].empty(); ++i) {
        common::BsonPtr doc =
            Json(R"({"t": )" + std::to_string(t) + R"(, "i": )" + std::to_string(i) + "}");
        bson_error_t error;
        if (!mongoc_collection_insert_one(c.get(), doc.get(), nullptr, nullptr, &error)) {
          errors[t] = error.message;
        }
      }
      c.reset();
      mongoc_client_pool_push(pool.get(), client);
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");

  mongoc_client_t* client = mongoc_client_pool_pop(pool.get());
  CollectionPtr c(mongoc_client_get_collection(client, kDb, coll.c_str()));
  bson_error_t error;
  common::BsonPtr all = Json("{}");
  EXPECT_EQ(
      mongoc_collection_count_documents(c.get(), all.get(), nullptr, nullptr, nullptr, &error),
      kThreads * kInsertsPerThread)
      << error.message;
  c.reset();
  mongoc_client_pool_push(pool.get(), client);
}

TEST_F(HandshakeCrudTest, InsertFindCountAndDuplicateKey) {
  auto client = Connect(*server_);
  CollectionPtr c(mongoc_client_get_collection(client.get(), kDb, UniqueCollection().c_str()));
  bson_error_t error;
  for (int i = 1; i <= 10; ++i) {
    common::BsonPtr doc =
        Json(R"({"_id": )" + std::to_string(i) + R"(, "name": "n)" + std::to_string(i) + R"("})");
    ASSERT_TRUE(mongoc_collection_insert_one(c.get(), doc.get(), nullptr, nullptr, &error))
        << error.message;
  }

  common::BsonPtr filter = Json(R"({"_id": 7})");
  CursorPtr cursor(mongoc_collection_find_with_opts(c.get(), filter.get(), nullptr, nullptr));
  const bson_t* found = nullptr;
  ASSERT_TRUE(mongoc_cursor_next(cursor.get(), &found));
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, found, "name"));
  EXPECT_STREQ(bson_iter_utf8(&it, nullptr), "n7");
  EXPECT_FALSE(mongoc_cursor_next(cursor.get(), &found));
  EXPECT_FALSE(mongoc_cursor_error(cursor.get(), &error)) << error.message;

  common::BsonPtr all = Json("{}");
  EXPECT_EQ(
      mongoc_collection_count_documents(c.get(), all.get(), nullptr, nullptr, nullptr, &error), 10)
      << error.message;

  common::BsonPtr dup = Json(R"({"_id": 3, "name": "again"})");
  EXPECT_FALSE(mongoc_collection_insert_one(c.get(), dup.get(), nullptr, nullptr, &error));
  EXPECT_EQ(error.code, 11000u) << error.message;
}

}  // namespace
}  // namespace devmongod::it
