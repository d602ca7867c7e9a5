// unique_ptr handles for the libmongoc objects integration tests create, and
// the gtest environment that owns mongoc_init()/mongoc_cleanup() for a test
// binary (the C library insists on process-wide initialisation).
// Borrowed pointers (the `const bson_t*` of a cursor or change stream) are
// never wrapped.
// Thread-safety: as libmongoc's (a client per thread; a pool is thread-safe).
#pragma once

#include <gtest/gtest.h>
#include <mongoc/mongoc.h>

#include <memory>
#include <string>

namespace test_support {

struct MongocDeleter {
  void operator()(mongoc_client_t* p) const { mongoc_client_destroy(p); }
  void operator()(mongoc_client_pool_t* p) const { mongoc_client_pool_destroy(p); }
  void operator()(mongoc_uri_t* p) const { mongoc_uri_destroy(p); }
  void operator()(mongoc_collection_t* p) const { mongoc_collection_destroy(p); }
  void operator()(mongoc_change_stream_t* p) const { mongoc_change_stream_destroy(p); }
  void operator()(mongoc_cursor_t* p) const { mongoc_cursor_destroy(p); }
  void operator()(mongoc_database_t* p) const { mongoc_database_destroy(p); }
};
using ClientPtr = std::unique_ptr<mongoc_client_t, MongocDeleter>;
using ClientPoolPtr = std::unique_ptr<mongoc_client_pool_t, MongocDeleter>;
using UriPtr = std::unique_ptr<mongoc_uri_t, MongocDeleter>;
using CollectionPtr = std::unique_ptr<mongoc_collection_t, MongocDeleter>;
using ChangeStreamPtr = std::unique_ptr<mongoc_change_stream_t, MongocDeleter>;
using CursorPtr = std::unique_ptr<mongoc_cursor_t, MongocDeleter>;
using DatabasePtr = std::unique_ptr<mongoc_database_t, MongocDeleter>;

// Registered once per binary: AddGlobalTestEnvironment(new MongocEnvironment).
class MongocEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { mongoc_init(); }
  void TearDown() override { mongoc_cleanup(); }
};

// A client for `uri` (null when the URI does not parse).
inline ClientPtr NewClient(const std::string& uri) {
  return ClientPtr(mongoc_client_new(uri.c_str()));
}

}  // namespace test_support
