// The journal record format: framing and the checks that decide whether a
// record can be trusted.
#include <bson/bson.h>

#include <string>

#include "common/crc32c.h"
#include "devmongod/journal/journal.h"

namespace devmongod::journal {
namespace {

void AppendLeU32(uint32_t value, std::string* out) {
  for (int shift = 0; shift < 32; shift += 8) out->push_back(static_cast<char>(value >> shift));
}

uint32_t LoadLeU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

Decoded Damaged(size_t declared_extent, std::string why) {
  Decoded decoded;
  decoded.status = Decoded::Status::kDamaged;
  decoded.consumed = declared_extent;
  decoded.why = std::move(why);
  return decoded;
}

}  // namespace

void EncodeRecord(std::span<const uint8_t> payload, std::string* out) {
  AppendLeU32(static_cast<uint32_t>(payload.size()), out);
  AppendLeU32(common::Crc32c(payload.data(), payload.size()), out);
  out->append(reinterpret_cast<const char*>(payload.data()), payload.size());
}

Decoded DecodeRecord(std::span<const uint8_t> input) {
  if (input.empty()) return Decoded{};
  if (input.size() < kRecordHeaderSize) {
    return Damaged(input.size(),
                   "record header cut short (" + std::to_string(input.size()) + " of 8 bytes)");
  }
  const uint32_t length = LoadLeU32(input.data());
  const uint32_t crc = LoadLeU32(input.data() + 4);
  const size_t extent = kRecordHeaderSize + length;
  // An all-zero header (a zero-filled block after a crash) lands here.
  if (length == 0) return Damaged(extent, "zero-length record");
  if (length > kMaxPayloadSize) {
    return Damaged(extent, "record length " + std::to_string(length) + " exceeds the " +
                               std::to_string(kMaxPayloadSize) + "-byte limit");
  }
  if (extent > input.size()) {
    return Damaged(extent, "record payload cut short (" +
                               std::to_string(input.size() - kRecordHeaderSize) + " of " +
                               std::to_string(length) + " bytes)");
  }
  const std::span<const uint8_t> payload = input.subspan(kRecordHeaderSize, length);
  if (common::Crc32c(payload.data(), payload.size()) != crc) {
    return Damaged(extent, "record CRC mismatch");
  }
  // The CRC only proves these are the bytes we wrote; the payload must also
  // be a document, or replay would hand garbage to the engine.
  bson_t document;
  if (!bson_init_static(&document, payload.data(), payload.size()) ||
      !bson_validate(&document, BSON_VALIDATE_NONE, nullptr)) {
    return Damaged(extent, "record payload is not valid BSON");
  }
  Decoded decoded;
  decoded.status = Decoded::Status::kRecord;
  decoded.consumed = extent;
  decoded.payload = payload;
  return decoded;
}

}  // namespace devmongod::journal
