// Test helpers for the query library: documents and single values written as
// (extended) JSON, so test tables stay readable.
// Thread-safety: none needed (tests only).
#pragma once

#include <bson/bson.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/bson_ptr.h"

namespace devmongod::query::testing {

// Parses extended JSON ({"$numberLong": "5"}, {"$minKey": 1}, ...). A parse
// error fails the current test and yields an empty document.
inline common::BsonPtr Doc(std::string_view json) {
  bson_error_t error;
  common::BsonPtr doc(bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()),
                                         static_cast<ssize_t>(json.size()), &error));
  if (doc == nullptr) {
    ADD_FAILURE() << "bad test JSON: " << json << " (" << error.message << ")";
    return common::NewBson();
  }
  return doc;
}

// One BSON value, parsed from JSON and owned by this object.
class Value {
 public:
  explicit Value(std::string_view json) : doc_(Doc("{\"v\": " + std::string(json) + "}")) {
    bson_iter_t iter;
    if (bson_iter_init_find(&iter, doc_.get(), "v")) {
      value_ = *bson_iter_value(&iter);
    } else {
      ADD_FAILURE() << "bad test value: " << json;
    }
  }
  const bson_value_t& get() const { return value_; }

 private:
  common::BsonPtr doc_;
  bson_value_t value_{};
};

inline std::string Json(const bson_t& doc) { return common::BsonToJson(doc); }

// Canonical extended JSON, which keeps number types visible (1 vs 1.0 vs
// NumberLong), for asserting exact output documents.
inline std::string CanonicalJson(const bson_t& doc) {
  common::BsonString s(bson_as_canonical_extended_json(&doc, nullptr));
  return s ? std::string(s.get()) : std::string("<invalid bson>");
}

inline std::string CanonicalJson(std::string_view json) { return CanonicalJson(*Doc(json)); }

}  // namespace devmongod::query::testing
