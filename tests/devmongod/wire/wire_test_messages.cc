#include "wire_test_messages.h"

#include <cstdio>
#include <cstdlib>

#include "common/crc32c.h"
#include "devmongod/wire/wire_message.h"

namespace devmongod::wire::testing {

common::BsonPtr Json(std::string_view json) {
  bson_error_t error;
  common::BsonPtr document(bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()),
                                              static_cast<ssize_t>(json.size()), &error));
  if (!document) {
    std::fprintf(stderr, "bad JSON literal in a test: %s\n", error.message);
    std::abort();
  }
  return document;
}

std::string Raw(const bson_t& document) {
  return std::string(reinterpret_cast<const char*>(bson_get_data(&document)), document.len);
}

std::span<const uint8_t> AsBytes(const std::string& bytes) {
  return {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
}

std::string LeI32(int32_t value) {
  std::string out;
  const auto bits = static_cast<uint32_t>(value);
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(bits >> shift));
  return out;
}

std::string WithHeader(int32_t request_id, int32_t op_code, std::string_view body,
                       int32_t response_to) {
  std::string out = LeI32(static_cast<int32_t>(kHeaderSize + body.size()));
  out += LeI32(request_id);
  out += LeI32(response_to);
  out += LeI32(op_code);
  out += body;
  return out;
}

std::string OpQuery(int32_t request_id, std::string_view full_collection_name,
                    std::string_view query, std::string_view trailer) {
  std::string body = LeI32(0);  // flags
  body += full_collection_name;
  body.push_back('\0');
  body += LeI32(0);   // numberToSkip
  body += LeI32(-1);  // numberToReturn
  body += query;
  body += trailer;
  return WithHeader(request_id, kOpQuery, body);
}

std::string Kind0(std::string_view document) {
  std::string section(1, '\0');
  section += document;
  return section;
}

std::string Kind1(std::string_view identifier, std::initializer_list<std::string_view> documents) {
  std::string payload(identifier);
  payload.push_back('\0');
  for (std::string_view document : documents) payload += document;
  std::string section(1, '\1');
  section += LeI32(static_cast<int32_t>(4 + payload.size()));
  section += payload;
  return section;
}

std::string OpMsg(int32_t request_id, uint32_t flag_bits, std::string_view sections) {
  std::string body = LeI32(static_cast<int32_t>(flag_bits));
  body += sections;
  if ((flag_bits & kChecksumPresent) == 0) return WithHeader(request_id, kOpMsg, body);
  // The checksum covers the header, whose length must already include it.
  std::string message = WithHeader(request_id, kOpMsg, body + "0000");
  message.resize(message.size() - 4);
  return message + LeI32(static_cast<int32_t>(common::Crc32c(message.data(), message.size())));
}

}  // namespace devmongod::wire::testing
