// Database failures as the chat's HTTP layer needs to tell them apart.
#pragma once

#include <mongoc/mongoc.h>

#include <string>

namespace chat::db {

struct DbError {
  enum class Kind {
    kUnavailable,   // no server reachable within the timeout, or the network failed
    kHistoryLost,   // the resume point is no longer (or never was) in the server's history
    kInvalidToken,  // the resume token is malformed
    kDuplicateKey,  // unique index violation
    kOther,         // anything else the server refused
  };
  Kind kind = Kind::kOther;
  int32_t code = 0;     // server or driver error code
  std::string message;  // driver text; may name hosts, never credentials

  const char* KindName() const;
};

// Classifies a driver error. `reply` (may be null) is the server's error
// document, which carries labels the bson_error_t does not.
DbError ClassifyError(const bson_error_t& error, const bson_t* reply);

}  // namespace chat::db
