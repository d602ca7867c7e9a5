// RAII for the mongo-c-driver handles the chat workers use, and the one
// object that owns mongoc_init()/mongoc_cleanup() for a process (the only
// global state the C driver forces on us).
#pragma once

#include <mongoc/mongoc.h>

#include <memory>

namespace chat::db {

template <auto Destroy>
struct MongoDeleter {
  template <typename T>
  void operator()(T* handle) const noexcept {
    Destroy(handle);
  }
};

using UriPtr = std::unique_ptr<mongoc_uri_t, MongoDeleter<mongoc_uri_destroy>>;
using ClientPtr = std::unique_ptr<mongoc_client_t, MongoDeleter<mongoc_client_destroy>>;
using CollectionPtr = std::unique_ptr<mongoc_collection_t, MongoDeleter<mongoc_collection_destroy>>;
using CursorPtr = std::unique_ptr<mongoc_cursor_t, MongoDeleter<mongoc_cursor_destroy>>;
using ChangeStreamPtr =
    std::unique_ptr<mongoc_change_stream_t, MongoDeleter<mongoc_change_stream_destroy>>;
using ReadPrefsPtr = std::unique_ptr<mongoc_read_prefs_t, MongoDeleter<mongoc_read_prefs_destroy>>;
using FindAndModifyOptsPtr = std::unique_ptr<mongoc_find_and_modify_opts_t,
                                             MongoDeleter<mongoc_find_and_modify_opts_destroy>>;
using ApmCallbacksPtr =
    std::unique_ptr<mongoc_apm_callbacks_t, MongoDeleter<mongoc_apm_callbacks_destroy>>;

// Construct exactly one, in main(), before any other driver call.
class MongoRuntime {
 public:
  MongoRuntime() {
    // libmongoc's /dev/shm performance counters are set up when the library
    // is loaded, before main(), so MONGOC_DISABLE_SHM=1 (a killed process
    // leaves its file behind, and a later process with the same pid warns
    // about it on stderr) must come from the environment: the systemd units,
    // make run and make test set it.
    mongoc_init();
  }
  ~MongoRuntime() { mongoc_cleanup(); }
  MongoRuntime(const MongoRuntime&) = delete;
  MongoRuntime& operator=(const MongoRuntime&) = delete;
};

}  // namespace chat::db
