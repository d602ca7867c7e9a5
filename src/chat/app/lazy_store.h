// The process's one MongoDB client, created on the first request that needs
// it and reused by every later request of this worker.
#pragma once

#include <memory>
#include <string>

#include "chat/core/config.h"
#include "chat/db/chat_store.h"

namespace chat::app {

// The store settings of the configuration; `app_name` shows in the
// database's logs (the handshake's application name).
inline db::StoreOptions StoreOptionsFor(const Config& config, std::string app_name) {
  return db::StoreOptions{.uri = config.uri,
                          .database = config.database,
                          .collection = config.collection,
                          .timeout_ms = config.db_timeout_ms,
                          .app_name = std::move(app_name)};
}

class LazyStore {
 public:
  LazyStore(const Config& config, std::string app_name)
      : config_(config), app_name_(std::move(app_name)) {}

  // Drops the client after the database became unreachable: a fresh one
  // connects at once when it is back, instead of waiting out the driver's
  // reconnection back-off for a server it saw failing.
  void Forget() { store_.reset(); }

  // The store, created on first use. Null only if the client cannot be
  // created (the URI was validated at start, so this means the driver
  // itself refused); `error` says why.
  db::ChatStore* Get(std::string* error) {
    if (!store_) {
      auto created = db::ChatStore::Create(StoreOptionsFor(config_, app_name_));
      if (!created) {
        *error = created.error();
        return nullptr;
      }
      store_ = std::move(*created);
    }
    return store_.get();
  }

 private:
  const Config& config_;
  std::string app_name_;
  std::unique_ptr<db::ChatStore> store_;
};

}  // namespace chat::app
