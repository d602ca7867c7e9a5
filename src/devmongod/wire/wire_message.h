// MongoDB wire protocol messages as devmongod sees them: parsing of client
// requests (OP_QUERY, OP_MSG) and encoding of replies (OP_REPLY, OP_MSG).
//
// Pure code, no I/O. The parser is resumable in the nginx sense: it is handed
// whatever bytes a connection has buffered and says "need more", "here is one
// message and it used N bytes", or "this connection is broken".
// Thread-safety: free functions without shared state.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/bson_ptr.h"

namespace devmongod::wire {

inline constexpr int32_t kOpReply = 1;
inline constexpr int32_t kOpQuery = 2004;
inline constexpr int32_t kOpMsg = 2013;

inline constexpr int32_t kMaxBsonObjectSize = 16 * 1024 * 1024;
inline constexpr int32_t kMaxMessageSizeBytes = 48000000;
inline constexpr int32_t kHeaderSize = 16;

// OP_MSG flagBits.
inline constexpr uint32_t kChecksumPresent = 1u << 0;
inline constexpr uint32_t kMoreToCome = 1u << 1;
inline constexpr uint32_t kExhaustAllowed = 1u << 16;

struct Header {
  int32_t message_length = 0;
  int32_t request_id = 0;
  int32_t response_to = 0;
  int32_t op_code = 0;
};

// One client request, reduced to a command document.
struct Request {
  Header header;
  // OP_MSG only.
  uint32_t flag_bits = 0;
  // OP_QUERY only: "db.$cmd" etc., flags, skip/return counts.
  std::string full_collection_name;
  int32_t query_flags = 0;
  int32_t number_to_skip = 0;
  int32_t number_to_return = 0;
  // The database the command runs against: `$db` of an OP_MSG body, or the
  // part before the first '.' of an OP_QUERY's fullCollectionName.
  std::string database;
  // The command. For OP_MSG: the kind-0 body with every kind-1 document
  // sequence appended as an array field named by its identifier. For
  // OP_QUERY: the query document, unwrapped from `$query`/`query` if the
  // client wrapped it (read preference wrappers).
  common::BsonPtr command;

  bool is_op_msg() const { return header.op_code == kOpMsg; }
  bool more_to_come() const { return is_op_msg() && (flag_bits & kMoreToCome) != 0; }
  // The command's name: the first key of `command`, or "" if it is empty.
  std::string CommandName() const;
};

struct ParseResult {
  enum class Status {
    kNeedMore,  // a whole message is not buffered yet; call again with more bytes
    kMessage,   // `request` holds one message, which used `consumed` bytes
    kError,     // the stream is broken (bad length, opcode, BSON, checksum...): close it
  };
  Status status = Status::kNeedMore;
  size_t consumed = 0;
  Request request;
  std::string error;  // kError: one line naming what is wrong, for the log
};

// Looks at the start of `input`. Never reads past input.size(); never trusts
// a length field without checking it against the bytes and the limits.
ParseResult ParseMessage(std::span<const uint8_t> input,
                         int32_t max_message_size = kMaxMessageSizeBytes);

// Encodes `body` as the reply to `request`, mirroring its opcode: OP_REPLY
// (flags 0, cursorID 0, startingFrom 0, numberReturned 1) for OP_QUERY, OP_MSG
// (flagBits 0, one kind-0 section, no checksum) for OP_MSG.
std::string EncodeReply(const Request& request, int32_t reply_request_id, const bson_t& body);

}  // namespace devmongod::wire
