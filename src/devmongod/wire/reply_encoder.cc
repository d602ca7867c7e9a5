// Reply encoding: the reply mirrors the request's opcode, as drivers expect.
#include <bson/bson.h>

#include <string>

#include "devmongod/wire/little_endian.h"
#include "devmongod/wire/wire_message.h"

namespace devmongod::wire {
namespace {

// OP_REPLY after the header: responseFlags, cursorID (int64), startingFrom,
// numberReturned.
constexpr int32_t kOpReplyPrefixSize = 4 + 8 + 4 + 4;
// OP_MSG after the header: flagBits, then the kind byte of the one section.
constexpr int32_t kOpMsgPrefixSize = 4 + 1;

}  // namespace

std::string EncodeReply(const Request& request, int32_t reply_request_id, const bson_t& body) {
  const bool op_msg = request.is_op_msg();
  const int32_t prefix_size = op_msg ? kOpMsgPrefixSize : kOpReplyPrefixSize;
  // libbson caps a document below INT32_MAX, and replies are built by
  // devmongod well under the 48 MB message limit, so this cannot overflow.
  const auto length = static_cast<int32_t>(kHeaderSize + prefix_size + body.len);

  std::string out;
  out.reserve(static_cast<size_t>(length));
  AppendLeI32(length, &out);
  AppendLeI32(reply_request_id, &out);
  AppendLeI32(request.header.request_id, &out);
  AppendLeI32(op_msg ? kOpMsg : kOpReply, &out);
  if (op_msg) {
    AppendLeU32(0, &out);  // flagBits: no checksum, nothing more to come
    out.push_back(0);      // section kind 0
  } else {
    AppendLeI32(0, &out);  // responseFlags
    AppendLeI64(0, &out);  // cursorID: commands return their cursors in the document
    AppendLeI32(0, &out);  // startingFrom
    AppendLeI32(1, &out);  // numberReturned
  }
  out.append(reinterpret_cast<const char*>(bson_get_data(&body)), body.len);
  return out;
}

}  // namespace devmongod::wire
