#include "devmongod/wire/op_msg_parser.h"

#include <bson/bson.h>

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crc32c.h"
#include "devmongod/wire/bson_frame.h"
#include "devmongod/wire/byte_reader.h"
#include "devmongod/wire/little_endian.h"

namespace devmongod::wire {
namespace {

constexpr uint8_t kBodySection = 0;
constexpr uint8_t kDocumentSequenceSection = 1;
// OP_MSG spec: the low 16 flag bits are "required" (a receiver that does not
// understand one must fail); the high 16 are optional and may be ignored.
constexpr uint32_t kRequiredFlagMask = 0xFFFFu;
constexpr uint32_t kKnownRequiredFlags = kChecksumPresent | kMoreToCome;
constexpr size_t kChecksumSize = 4;

struct DocumentSequence {
  std::string_view identifier;  // points into the message
  std::vector<std::span<const uint8_t>> documents;
};

struct Sections {
  std::optional<std::span<const uint8_t>> body;
  std::vector<DocumentSequence> sequences;
};

std::string Hex(uint32_t value) {
  char digits[8];
  const auto end = std::to_chars(digits, digits + sizeof digits, value, 16).ptr;
  return "0x" + std::string(digits, end);
}

// Kind 1: int32 size (counting itself), cstring identifier, then documents
// that exactly fill the rest of the size.
WireStatus ReadDocumentSequence(ByteReader* reader, DocumentSequence* sequence) {
  int32_t size = 0;
  if (!reader->ReadI32(&size)) {
    return WireStatus::Error("OP_MSG kind-1 section is cut short before its size");
  }
  // Smallest useful section: the size, a one-character identifier and its NUL.
  if (size < 6) {
    return WireStatus::Error("OP_MSG kind-1 section size " + std::to_string(size) +
                             " is too small");
  }
  std::span<const uint8_t> payload;
  if (!reader->ReadBytes(static_cast<size_t>(size) - 4, &payload)) {
    return WireStatus::Error("OP_MSG kind-1 section size " + std::to_string(size) +
                             " overruns the message (" + std::to_string(reader->remaining() + 4) +
                             " bytes remain)");
  }
  ByteReader section(payload);
  if (!section.ReadCString(&sequence->identifier)) {
    return WireStatus::Error("OP_MSG kind-1 identifier has no NUL terminator within its section");
  }
  if (sequence->identifier.empty()) return WireStatus::Error("OP_MSG kind-1 identifier is empty");
  // It becomes a field name of the command, and field names must be UTF-8
  // like the rest of the document.
  if (!bson_utf8_validate(sequence->identifier.data(), sequence->identifier.size(), false)) {
    return WireStatus::Error("OP_MSG kind-1 identifier is not valid UTF-8");
  }
  while (!section.at_end()) {
    std::span<const uint8_t> document;
    if (WireStatus status = ReadBsonDocument(&section, "kind-1 section", &document); !status.ok()) {
      return status;
    }
    sequence->documents.push_back(document);
  }
  return WireStatus::Ok();
}

WireStatus SplitSections(std::span<const uint8_t> bytes, Sections* sections) {
  ByteReader reader(bytes);
  while (!reader.at_end()) {
    uint8_t kind = 0;
    (void)reader.ReadU8(&kind);  // not at the end, so one byte is there
    if (kind == kBodySection) {
      if (sections->body) return WireStatus::Error("OP_MSG has more than one kind-0 section");
      std::span<const uint8_t> body;
      if (WireStatus status = ReadBsonDocument(&reader, "kind-0 section", &body); !status.ok()) {
        return status;
      }
      sections->body = body;
    } else if (kind == kDocumentSequenceSection) {
      DocumentSequence sequence;
      if (WireStatus status = ReadDocumentSequence(&reader, &sequence); !status.ok()) {
        return status;
      }
      sections->sequences.push_back(std::move(sequence));
    } else {
      return WireStatus::Error("unknown OP_MSG section kind " + std::to_string(kind));
    }
  }
  if (!sections->body) return WireStatus::Error("OP_MSG has no kind-0 section");
  return WireStatus::Ok();
}

bool HasField(const bson_t& document, std::string_view key) {
  bson_iter_t iter;
  return bson_iter_init_find_w_len(&iter, &document, key.data(), static_cast<int>(key.size()));
}

WireStatus FoldedTooLarge() {
  return WireStatus::Error("OP_MSG command is too large once its sequences are folded in");
}

// The body's fields first, then one array per sequence in arrival order.
WireStatus FoldCommand(const bson_t& body, const std::vector<DocumentSequence>& sequences,
                       common::BsonPtr* command) {
  common::BsonPtr folded_owner = common::NewBson();
  // Through a bson_t* variable: unique_ptr's pointer type drops bson_t's
  // alignment attribute, and clang warns when that reaches a libbson call.
  bson_t* folded = folded_owner.get();
  if (!bson_concat(folded, &body)) return WireStatus::Error("OP_MSG body could not be copied");
  for (const DocumentSequence& sequence : sequences) {
    // The spec leaves duplicates undefined; mongod rejects them, and so do we
    // rather than produce a command with two fields of one name.
    if (HasField(*folded, sequence.identifier)) {
      return WireStatus::Error(HasField(body, sequence.identifier)
                                   ? "OP_MSG kind-1 identifier duplicates a field of the body"
                                   : "OP_MSG has two kind-1 sections with the same identifier");
    }
    bson_t array;
    if (!bson_append_array_begin(folded, sequence.identifier.data(),
                                 static_cast<int>(sequence.identifier.size()), &array)) {
      return FoldedTooLarge();
    }
    bool appended = true;
    uint32_t index = 0;
    for (const std::span<const uint8_t> bytes : sequence.documents) {
      char buffer[16];
      const char* key = nullptr;
      const size_t key_length = bson_uint32_to_string(index++, &key, buffer, sizeof buffer);
      bson_t document;
      bson_init_static(&document, bytes.data(), bytes.size());  // validated while splitting
      appended = bson_append_document(&array, key, static_cast<int>(key_length), &document);
      if (!appended) break;
    }
    // A begun array must always be ended: `folded` is unusable otherwise.
    if (!bson_append_array_end(folded, &array) || !appended) return FoldedTooLarge();
  }
  *command = std::move(folded_owner);
  return WireStatus::Ok();
}

WireStatus ReadDatabase(const bson_t& body, std::string* database) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, &body, "$db")) {
    return WireStatus::Error("OP_MSG body has no $db field");
  }
  if (!BSON_ITER_HOLDS_UTF8(&iter)) return WireStatus::Error("OP_MSG $db is not a string");
  uint32_t length = 0;
  const char* name = bson_iter_utf8(&iter, &length);
  if (std::string_view(name, length).find('\0') != std::string_view::npos) {
    return WireStatus::Error("OP_MSG $db contains a NUL byte");
  }
  database->assign(name, length);
  return WireStatus::Ok();
}

}  // namespace

WireStatus ParseOpMsg(std::span<const uint8_t> message, Request* request) {
  ByteReader reader(message.subspan(kHeaderSize));
  if (!reader.ReadU32(&request->flag_bits)) {
    return WireStatus::Error("OP_MSG is cut short before its flagBits");
  }
  const uint32_t unknown_required = request->flag_bits & kRequiredFlagMask & ~kKnownRequiredFlags;
  if (unknown_required != 0) {
    return WireStatus::Error("OP_MSG flagBits has unknown required bits " + Hex(unknown_required));
  }

  std::span<const uint8_t> sections_bytes = message.subspan(kHeaderSize + 4);
  if ((request->flag_bits & kChecksumPresent) != 0) {
    if (sections_bytes.size() < kChecksumSize) {
      return WireStatus::Error("OP_MSG has the checksum flag but no room for a checksum");
    }
    const size_t covered = message.size() - kChecksumSize;
    if (common::Crc32c(message.data(), covered) != LoadLeU32(message.data() + covered)) {
      return WireStatus::Error("OP_MSG checksum mismatch");
    }
    sections_bytes = sections_bytes.first(sections_bytes.size() - kChecksumSize);
  }

  Sections sections;
  if (WireStatus status = SplitSections(sections_bytes, &sections); !status.ok()) return status;

  bson_t body;
  bson_init_static(&body, sections.body->data(), sections.body->size());  // validated
  if (WireStatus status = ReadDatabase(body, &request->database); !status.ok()) return status;
  return FoldCommand(body, sections.sequences, &request->command);
}

}  // namespace devmongod::wire
