// Helpers shared by devmongod's libmongoc integration tests: documents from
// JSON, field access by dotted path, serverStatus numbers, unique collection
// names (so the same tests can run against a shared real mongod) and polling.
// Thread-safety: free functions, no shared state.
#pragma once

#include <bson/bson.h>
#include <mongoc/mongoc.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "common/bson_ptr.h"
#include "support/devmongod_process.h"
#include "support/mongoc_handles.h"

namespace devmongod::it {

inline constexpr const char* kDb = "devmongod_it";

// Aborts the test (ASSERT) if `json` does not parse: the tests' own literals.
common::BsonPtr Json(const std::string& json);

// The int64 value at a dotted path ("metrics.cursor.open.total").
std::optional<int64_t> IntAt(const bson_t& doc, const char* dotted_path);

// A collection name unique to this test and process.
std::string UniqueCollection();

// serverStatus through `client`; nullopt when it fails.
std::optional<int64_t> ServerStatusNumber(mongoc_client_t* client, const char* dotted_path);

// A client with a server selection timeout suited to the test.
test_support::ClientPtr Connect(const test_support::DevMongod& server, int selection_ms = 10000);

template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

}  // namespace devmongod::it
