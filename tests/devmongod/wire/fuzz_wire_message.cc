// libFuzzer target for the wire parser: feeds the input through
// ParseMessage the way a connection would (message after message until the
// parser wants more or gives up) and checks the invariants every caller
// relies on, then encodes a reply to each parsed message and checks it too.
#include <bson/bson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "devmongod/wire/little_endian.h"
#include "devmongod/wire/wire_message.h"

namespace devmongod::wire {
namespace {

// Invariant violations must crash so libFuzzer records the input.
void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_wire_message invariant violated: %s\n", what);
  std::abort();
}

void CheckReply(const Request& request) {
  const std::string reply = EncodeReply(request, 42, *request.command);
  const auto* bytes = reinterpret_cast<const uint8_t*>(reply.data());
  Check(reply.size() >= static_cast<size_t>(kHeaderSize), "reply shorter than a header");
  Check(LoadLeI32(bytes) == static_cast<int32_t>(reply.size()), "reply length field != size");
  Check(LoadLeI32(bytes + 8) == request.header.request_id, "reply responseTo != request id");
  Check(LoadLeI32(bytes + 12) == (request.is_op_msg() ? kOpMsg : kOpReply), "reply opcode");
  if (!request.is_op_msg()) return;
  // An OP_MSG reply carrying the folded command is itself a valid request
  // (the command keeps the body's $db), unless folding made it too large.
  if (request.command->len > static_cast<uint32_t>(kMaxBsonObjectSize)) return;
  ParseResult again = ParseMessage({bytes, reply.size()});
  // Folding puts sequence documents two levels down (array, element), so a
  // command built from parts within the depth limit may exceed it.
  if (again.status == ParseResult::Status::kError &&
      again.error.find("nested deeper than") != std::string::npos) {
    return;
  }
  Check(again.status == ParseResult::Status::kMessage, "re-encoded OP_MSG does not parse");
  Check(again.consumed == reply.size(), "re-encoded OP_MSG consumed");
  Check(bson_equal(&*again.request.command, &*request.command), "OP_MSG round trip");
  Check(again.request.database == request.database, "OP_MSG round trip database");
}

void CheckMessage(const ParseResult& result, std::span<const uint8_t> input) {
  const Request& request = result.request;
  Check(result.consumed >= static_cast<size_t>(kHeaderSize), "consumed below a header");
  Check(result.consumed <= input.size(), "consumed past the input");
  Check(result.consumed == static_cast<size_t>(request.header.message_length),
        "consumed != messageLength");
  Check(request.header.op_code == kOpMsg || request.header.op_code == kOpQuery, "opcode");
  Check(request.command != nullptr, "message without a command");
  size_t offset = 0;
  Check(bson_validate(
            &*request.command,
            static_cast<bson_validate_flags_t>(BSON_VALIDATE_UTF8 | BSON_VALIDATE_UTF8_ALLOW_NULL),
            &offset),
        "parsed command is not valid BSON");
  (void)request.CommandName();
  CheckReply(request);
}

}  // namespace
}  // namespace devmongod::wire

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using devmongod::wire::ParseResult;
  std::span<const uint8_t> input(data, size);
  for (;;) {
    ParseResult result = devmongod::wire::ParseMessage(input);
    if (result.status == ParseResult::Status::kNeedMore) {
      devmongod::wire::Check(result.consumed == 0, "kNeedMore consumed bytes");
      break;
    }
    if (result.status == ParseResult::Status::kError) {
      devmongod::wire::Check(!result.error.empty(), "error without a message");
      devmongod::wire::Check(result.error.find('\n') == std::string::npos, "multi-line error");
      break;
    }
    devmongod::wire::CheckMessage(result, input);
    input = input.subspan(result.consumed);
  }
  return 0;
}
