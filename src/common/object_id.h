// An ObjectId as the 24 lowercase hex digits every API and log shows.
// Lowercase hex keeps text order equal to byte order, which the chat page
// relies on when it orders messages by _id.
// Thread-safety: pure function.
#pragma once

#include <bson/bson.h>

#include <string>

namespace common {

inline std::string OidHex(const bson_oid_t& oid) {
  char hex[25];
  bson_oid_to_string(&oid, hex);
  return std::string(hex, 24);
}

}  // namespace common
