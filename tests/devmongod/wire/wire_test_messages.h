// Builders of raw wire messages for the wire tests, the fuzz corpus
// generator, and anyone who needs a well-formed (or deliberately broken)
// request. They assemble bytes directly, independently of the encoder under
// test. Thread-safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "common/bson_ptr.h"

namespace devmongod::wire::testing {

// Parses relaxed extended JSON; aborts the test binary on a typo in a literal.
common::BsonPtr Json(std::string_view json);
// The raw bytes of a document.
std::string Raw(const bson_t& document);
std::span<const uint8_t> AsBytes(const std::string& bytes);

std::string LeI32(int32_t value);

// Prepends a 16-byte header whose length covers `body`.
std::string WithHeader(int32_t request_id, int32_t op_code, std::string_view body,
                       int32_t response_to = 0);

// OP_QUERY with the given namespace and query document (raw bytes, so tests
// can pass broken documents), numberToReturn -1 like drivers' handshakes.
std::string OpQuery(int32_t request_id, std::string_view full_collection_name,
                    std::string_view query, std::string_view trailer = "");

// One kind-0 section.
std::string Kind0(std::string_view document);
// One kind-1 section with a correct size.
std::string Kind1(std::string_view identifier, std::initializer_list<std::string_view> documents);
// OP_MSG with `sections`; appends a correct CRC-32C when `flag_bits` asks
// for a checksum.
std::string OpMsg(int32_t request_id, uint32_t flag_bits, std::string_view sections);

}  // namespace devmongod::wire::testing
