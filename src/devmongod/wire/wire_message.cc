// Message framing: validates the header as soon as its bytes arrive and
// hands complete messages to the per-opcode parsers.
#include "devmongod/wire/wire_message.h"

#include <string>

#include "devmongod/wire/little_endian.h"
#include "devmongod/wire/op_msg_parser.h"
#include "devmongod/wire/op_query_parser.h"

namespace devmongod::wire {
namespace {

ParseResult Error(std::string message) {
  ParseResult result;
  result.status = ParseResult::Status::kError;
  result.error = std::move(message);
  return result;
}

// Names of opcodes a client might send that devmongod does not speak, so the
// log says what the client tried (e.g. compression it was never offered).
const char* RetiredOpcodeName(int32_t op_code) {
  switch (op_code) {
    case kOpReply:
      return "OP_REPLY";
    case 2001:
      return "OP_UPDATE";
    case 2002:
      return "OP_INSERT";
    case 2005:
      return "OP_GET_MORE";
    case 2006:
      return "OP_DELETE";
    case 2007:
      return "OP_KILL_CURSORS";
    case 2010:
      return "OP_COMMAND";
    case 2011:
      return "OP_COMMANDREPLY";
    case 2012:
      return "OP_COMPRESSED";
    default:
      return nullptr;
  }
}

std::string UnknownOpcode(int32_t op_code) {
  std::string message = "unknown opcode " + std::to_string(op_code);
  if (const char* name = RetiredOpcodeName(op_code)) message += std::string(" (") + name + ")";
  return message;
}

}  // namespace

std::string Request::CommandName() const {
  if (!command) return "";
  bson_iter_t iter;
  const bson_t& document = *command;  // a reference keeps bson_t's alignment for clang
  if (!bson_iter_init(&iter, &document) || !bson_iter_next(&iter)) return "";
  return std::string(bson_iter_key(&iter), bson_iter_key_len(&iter));
}

ParseResult ParseMessage(std::span<const uint8_t> input, int32_t max_message_size) {
  // Each check runs as soon as the bytes it needs are there, so a hostile
  // length or opcode closes the connection without waiting for (or
  // buffering) the rest of the message.
  if (input.size() < 4) return ParseResult{};
  const int32_t length = LoadLeI32(input.data());
  if (length < kHeaderSize) {
    return Error("message length " + std::to_string(length) + " is below the 16-byte header");
  }
  if (length > max_message_size) {
    return Error("message length " + std::to_string(length) + " exceeds the maximum of " +
                 std::to_string(max_message_size) + " bytes");
  }
  if (input.size() < static_cast<size_t>(kHeaderSize)) return ParseResult{};

  Header header;
  header.message_length = length;
  header.request_id = LoadLeI32(input.data() + 4);
  header.response_to = LoadLeI32(input.data() + 8);
  header.op_code = LoadLeI32(input.data() + 12);
  if (header.op_code != kOpQuery && header.op_code != kOpMsg) {
    return Error(UnknownOpcode(header.op_code));
  }
  if (input.size() < static_cast<size_t>(length)) return ParseResult{};

  ParseResult result;
  result.request.header = header;
  const std::span<const uint8_t> message = input.first(static_cast<size_t>(length));
  WireStatus status = header.op_code == kOpMsg
                          ? ParseOpMsg(message, &result.request)
                          : ParseOpQueryBody(message.subspan(kHeaderSize), &result.request);
  if (!status.ok()) return Error(status.TakeError());
  result.status = ParseResult::Status::kMessage;
  result.consumed = static_cast<size_t>(length);
  return result;
}

}  // namespace devmongod::wire
