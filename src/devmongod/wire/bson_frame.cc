#include "devmongod/wire/bson_frame.h"

#include <bson/bson.h>

#include <string>

#include "devmongod/wire/bson_content_check.h"
#include "devmongod/wire/little_endian.h"

namespace devmongod::wire {
namespace {

// Smallest document: int32 length plus the terminating NUL.
constexpr int32_t kMinDocumentSize = 5;

std::string Describe(std::string_view what) { return "BSON document in " + std::string(what); }

}  // namespace

WireStatus ReadBsonDocument(ByteReader* reader, std::string_view what,
                            std::span<const uint8_t>* document) {
  std::span<const uint8_t> length_bytes;
  if (!reader->Peek(4, &length_bytes)) {
    return WireStatus::Error(Describe(what) + " is cut short before its length");
  }
  const int32_t length = LoadLeI32(length_bytes.data());
  if (length < kMinDocumentSize) {
    return WireStatus::Error(Describe(what) + " declares " + std::to_string(length) +
                             " bytes, below the 5-byte minimum");
  }
  if (length > kMaxWireDocumentSize) {
    return WireStatus::Error(Describe(what) + " declares " + std::to_string(length) +
                             " bytes, above the " + std::to_string(kMaxWireDocumentSize) +
                             "-byte limit");
  }
  if (static_cast<size_t>(length) > reader->remaining()) {
    return WireStatus::Error(Describe(what) + " declares " + std::to_string(length) +
                             " bytes but only " + std::to_string(reader->remaining()) + " remain");
  }
  std::span<const uint8_t> bytes;
  (void)reader->ReadBytes(static_cast<size_t>(length), &bytes);  // checked just above

  bson_t view;
  if (!bson_init_static(&view, bytes.data(), bytes.size())) {
    return WireStatus::Error("invalid BSON in " + std::string(what));
  }
  // Bounds the nesting depth before bson_validate recurses, and checks what
  // libbson 1.23's validator skips.
  if (std::string why = CheckBsonContent(view); !why.empty()) {
    return WireStatus::Error("invalid BSON in " + std::string(what) + ": " + why);
  }
  size_t bad_offset = 0;
  if (!bson_validate(
          &view,
          static_cast<bson_validate_flags_t>(BSON_VALIDATE_UTF8 | BSON_VALIDATE_UTF8_ALLOW_NULL),
          &bad_offset)) {
    // The offset, not libbson's message: that can quote a hostile key,
    // and our errors must stay one line.
    return WireStatus::Error("invalid BSON in " + std::string(what) + " at byte " +
                             std::to_string(bad_offset) + " of the document");
  }
  *document = bytes;
  return WireStatus::Ok();
}

}  // namespace devmongod::wire
