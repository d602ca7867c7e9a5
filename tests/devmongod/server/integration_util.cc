#include "integration_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>

namespace devmongod::it {

common::BsonPtr Json(const std::string& json) {
  bson_error_t error;
  common::BsonPtr doc(bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()),
                                         static_cast<ssize_t>(json.size()), &error));
  EXPECT_TRUE(doc) << "bad test JSON " << json << ": " << error.message;
  return doc ? std::move(doc) : common::NewBson();
}

std::optional<int64_t> IntAt(const bson_t& doc, const char* dotted_path) {
  bson_iter_t it, found;
  if (!bson_iter_init(&it, &doc) || !bson_iter_find_descendant(&it, dotted_path, &found)) {
    return std::nullopt;
  }
  if (!BSON_ITER_HOLDS_NUMBER(&found)) return std::nullopt;
  return bson_iter_as_int64(&found);
}

std::string UniqueCollection() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "_" + info->name() : "coll";
  return name + "_" + std::to_string(::getpid());
}

std::optional<int64_t> ServerStatusNumber(mongoc_client_t* client, const char* dotted_path) {
  bson_t reply;
  bson_error_t error;
  common::BsonPtr cmd = Json(R"({"serverStatus": 1})");
  bool ok = mongoc_client_command_simple(client, "admin", cmd.get(), nullptr, &reply, &error);
  common::BsonPtr owned = common::CopyBson(reply);
  bson_destroy(&reply);
  if (!ok) return std::nullopt;
  return IntAt(*owned, dotted_path);
}

test_support::ClientPtr Connect(const test_support::DevMongod& server, int selection_ms) {
  test_support::ClientPtr client = test_support::NewClient(
      server.Uri("serverSelectionTimeoutMS=" + std::to_string(selection_ms)));
  EXPECT_TRUE(client) << "bad URI " << server.Uri();
  return client;
}

}  // namespace devmongod::it
