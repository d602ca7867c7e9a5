#include "support/wire_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace test_support {
namespace {

constexpr int32_t kOpReply = 1;
constexpr int32_t kOpQuery = 2004;
constexpr int32_t kOpMsg = 2013;
constexpr int32_t kMaxReplyBytes = 48000000;

int64_t NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

void PutInt32(std::string& out, int32_t value) {
  uint32_t v = static_cast<uint32_t>(value);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

int32_t GetInt32(const uint8_t* p) {
  return static_cast<int32_t>(uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 |
                              uint32_t{p[3]} << 24);
}

// Header with a zero length, patched once the body is known.
std::string StartMessage(int32_t request_id, int32_t op_code) {
  std::string out;
  PutInt32(out, 0);
  PutInt32(out, request_id);
  PutInt32(out, 0);
  PutInt32(out, op_code);
  return out;
}

void FinishMessage(std::string& out) {
  std::string len;
  PutInt32(len, static_cast<int32_t>(out.size()));
  out.replace(0, 4, len);
}

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

std::expected<WireClient, std::string> WireClient::Connect(const std::string& host, uint16_t port,
                                                           int timeout_ms) {
  sockaddr_storage storage{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  std::string bare =
      host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  if (bare == "localhost") bare = "127.0.0.1";
  if (inet_pton(AF_INET, bare.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(*v4);
  } else if (inet_pton(AF_INET6, bare.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(*v6);
  } else {
    return std::unexpected("not an IP literal: " + host);
  }
  common::UniqueFd fd(::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return std::unexpected(Errno("socket"));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&storage), len) != 0) {
    if (errno != EINPROGRESS) return std::unexpected(Errno("connect"));
    pollfd p{fd.get(), POLLOUT, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return std::unexpected("connect: timed out");
    int err = 0;
    socklen_t err_len = sizeof(err);
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0) return std::unexpected(std::string("connect: ") + std::strerror(err));
  }
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return WireClient(std::move(fd));
}

std::string WireClient::EncodeOpMsg(int32_t request_id, const bson_t& body, uint32_t flag_bits) {
  std::string out = StartMessage(request_id, kOpMsg);
  PutInt32(out, static_cast<int32_t>(flag_bits));
  out.push_back('\0');  // section kind 0: the body
  out.append(reinterpret_cast<const char*>(bson_get_data(&body)), body.len);
  FinishMessage(out);
  return out;
}

std::string WireClient::EncodeOpQuery(int32_t request_id, std::string_view full_collection_name,
                                      const bson_t& query) {
  std::string out = StartMessage(request_id, kOpQuery);
  PutInt32(out, 0);  // flags
  out.append(full_collection_name);
  out.push_back('\0');
  PutInt32(out, 0);   // numberToSkip
  PutInt32(out, -1);  // numberToReturn: one document, as drivers send for commands
  out.append(reinterpret_cast<const char*>(bson_get_data(&query)), query.len);
  FinishMessage(out);
  return out;
}

std::expected<int32_t, std::string> WireClient::SendOpMsg(const bson_t& body, uint32_t flag_bits) {
  int32_t id = next_request_id_++;
  if (auto sent = SendRaw(EncodeOpMsg(id, body, flag_bits)); !sent) {
    return std::unexpected(sent.error());
  }
  return id;
}

std::expected<int32_t, std::string> WireClient::SendOpQuery(std::string_view full_collection_name,
                                                            const bson_t& query) {
  int32_t id = next_request_id_++;
  if (auto sent = SendRaw(EncodeOpQuery(id, full_collection_name, query)); !sent) {
    return std::unexpected(sent.error());
  }
  return id;
}

std::expected<void, std::string> WireClient::SendRaw(std::string_view bytes) {
  int64_t deadline = NowMs() + kDefaultTimeoutMs;
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_.get(), POLLOUT, 0};
      int left = static_cast<int>(deadline - NowMs());
      if (left <= 0 || ::poll(&p, 1, left) != 1) return std::unexpected("send: timed out");
      continue;
    }
    return std::unexpected(Errno("send"));
  }
  return {};
}

std::expected<void, std::string> WireClient::ReadExactly(void* out, size_t len,
                                                         int64_t deadline_ms) {
  auto* p = static_cast<uint8_t*>(out);
  while (len > 0) {
    ssize_t n = ::recv(fd_.get(), p, len, 0);
    if (n > 0) {
      p += n;
      len -= static_cast<size_t>(n);
      continue;
    }
    if (n == 0) return std::unexpected("connection closed by server");
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return std::unexpected(Errno("recv"));
    pollfd pfd{fd_.get(), POLLIN, 0};
    int left = static_cast<int>(deadline_ms - NowMs());
    if (left <= 0 || ::poll(&pfd, 1, left) == 0) return std::unexpected("recv: timed out");
  }
  return {};
}

std::expected<WireReply, std::string> WireClient::ReadReply(int timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  uint8_t header[16];
  if (auto ok = ReadExactly(header, sizeof(header), deadline); !ok) {
    return std::unexpected(ok.error());
  }
  WireReply reply;
  int32_t length = GetInt32(header);
  reply.request_id = GetInt32(header + 4);
  reply.response_to = GetInt32(header + 8);
  reply.op_code = GetInt32(header + 12);
  if (length < 16 || length > kMaxReplyBytes) {
    return std::unexpected("bad reply length " + std::to_string(length));
  }
  std::vector<uint8_t> rest(static_cast<size_t>(length) - 16);
  if (auto ok = ReadExactly(rest.data(), rest.size(), deadline); !ok) {
    return std::unexpected(ok.error());
  }
  size_t doc_offset = 0;
  if (reply.op_code == kOpMsg) {
    doc_offset = 5;  // flagBits, section kind
    if (rest.size() < doc_offset || rest[4] != 0) return std::unexpected("OP_MSG without kind 0");
  } else if (reply.op_code == kOpReply) {
    doc_offset = 20;  // responseFlags, cursorID, startingFrom, numberReturned
  } else {
    return std::unexpected("unexpected reply opcode " + std::to_string(reply.op_code));
  }
  if (rest.size() < doc_offset + 5) return std::unexpected("reply too short");
  int32_t doc_len = GetInt32(rest.data() + doc_offset);
  if (doc_len < 5 || static_cast<size_t>(doc_len) > rest.size() - doc_offset) {
    return std::unexpected("bad reply document length");
  }
  reply.body = common::BsonFromData(rest.data() + doc_offset, static_cast<size_t>(doc_len));
  if (!reply.body) return std::unexpected("reply document is not valid BSON");
  return reply;
}

std::expected<common::BsonPtr, std::string> WireClient::RunCommand(std::string_view db,
                                                                   const bson_t& command,
                                                                   int timeout_ms) {
  common::BsonPtr body = common::CopyBson(command);
  if (!bson_has_field(body.get(), "$db")) {
    bson_append_utf8(body.get(), "$db", 3, db.data(), static_cast<int>(db.size()));
  }
  auto id = SendOpMsg(*body);
  if (!id) return std::unexpected(id.error());
  auto reply = ReadReply(timeout_ms);
  if (!reply) return std::unexpected(reply.error());
  if (reply->response_to != *id) {
    return std::unexpected("responseTo " + std::to_string(reply->response_to) + " != request " +
                           std::to_string(*id));
  }
  return std::move(reply->body);
}

bool WireClient::WaitForClose(int timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  char sink[4096];
  while (true) {
    ssize_t n = ::recv(fd_.get(), sink, sizeof(sink), 0);
    if (n == 0) return true;
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return true;  // reset
    pollfd pfd{fd_.get(), POLLIN, 0};
    int left = static_cast<int>(deadline - NowMs());
    if (left <= 0 || ::poll(&pfd, 1, left) == 0) return false;
  }
}

}  // namespace test_support
