// A tiny blocking MongoDB wire client for tests that need raw bytes: encodes
// OP_MSG and OP_QUERY requests with libbson, sends arbitrary bytes, reads one
// reply at a time and notices when the server hangs up.
//
// Deliberately independent of devmongod's own wire code, so tests do not
// check the server's encoder against itself.
// Thread-safety: one client per thread.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "common/bson_ptr.h"
#include "common/unique_fd.h"

namespace test_support {

struct WireReply {
  int32_t request_id = 0;
  int32_t response_to = 0;
  int32_t op_code = 0;
  common::BsonPtr body;  // the kind-0 section (OP_MSG) or first document (OP_REPLY)
};

class WireClient {
 public:
  static constexpr int kDefaultTimeoutMs = 10000;

  static std::expected<WireClient, std::string> Connect(const std::string& host, uint16_t port,
                                                        int timeout_ms = kDefaultTimeoutMs);

  // Encoders, public so tests can build malformed variants of valid bytes.
  static std::string EncodeOpMsg(int32_t request_id, const bson_t& body, uint32_t flag_bits = 0);
  static std::string EncodeOpQuery(int32_t request_id, std::string_view full_collection_name,
                                   const bson_t& query);

  // Each returns the request id it used.
  std::expected<int32_t, std::string> SendOpMsg(const bson_t& body, uint32_t flag_bits = 0);
  std::expected<int32_t, std::string> SendOpQuery(std::string_view full_collection_name,
                                                  const bson_t& query);
  std::expected<void, std::string> SendRaw(std::string_view bytes);

  std::expected<WireReply, std::string> ReadReply(int timeout_ms = kDefaultTimeoutMs);

  // Sends `command` (with `$db` = db unless it has one) as OP_MSG and reads its reply, checking
  // responseTo.
  std::expected<common::BsonPtr, std::string> RunCommand(std::string_view db, const bson_t& command,
                                                         int timeout_ms = kDefaultTimeoutMs);

  // True once the server has closed the connection (EOF or reset) within
  // the timeout; bytes that arrive first are discarded.
  bool WaitForClose(int timeout_ms = kDefaultTimeoutMs);

  int fd() const { return fd_.get(); }

 private:
  explicit WireClient(common::UniqueFd fd) : fd_(std::move(fd)) {}
  std::expected<void, std::string> ReadExactly(void* out, size_t len, int64_t deadline_ms);

  common::UniqueFd fd_;
  int32_t next_request_id_ = 1;
};

}  // namespace test_support
