// Owning handle for heap-allocated libbson documents.
//
// bson_t must not be moved with memcpy once it has grown past its inline
// buffer (it points into itself), so owned documents always live on the heap
// behind this unique_ptr. Borrowed documents (e.g. from a cursor) stay plain
// `const bson_t*` and are never wrapped.
#pragma once

#include <bson/bson.h>

#include <memory>
#include <string>

namespace common {

struct BsonDeleter {
  void operator()(bson_t* doc) const noexcept { bson_destroy(doc); }
};
// bson_t is declared with an alignment attribute that template arguments
// cannot carry; the pointer itself is unaffected, so the warning is noise.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
using BsonPtr = std::unique_ptr<bson_t, BsonDeleter>;
#pragma GCC diagnostic pop

inline BsonPtr NewBson() { return BsonPtr(bson_new()); }
inline BsonPtr CopyBson(const bson_t& doc) { return BsonPtr(bson_copy(&doc)); }
// Copies `len` bytes of BSON; returns null if they are not a valid document frame.
inline BsonPtr BsonFromData(const uint8_t* data, size_t len) {
  return BsonPtr(bson_new_from_data(data, len));
}

struct BsonStringDeleter {
  void operator()(char* s) const noexcept { bson_free(s); }
};
using BsonString = std::unique_ptr<char, BsonStringDeleter>;

// Relaxed extended JSON, for logs and test failure messages only.
inline std::string BsonToJson(const bson_t& doc) {
  BsonString s(bson_as_relaxed_extended_json(&doc, nullptr));
  return s ? std::string(s.get()) : std::string("<invalid bson>");
}

}  // namespace common
