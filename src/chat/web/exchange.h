// One HTTP request and its response, as a FastCGI or CGI program sees it.
//
// Handlers are written once against this interface; the FastCGI shell
// (libfcgi) and the plain-CGI shell (environment, stdin, stdout) implement it,
// so a program serves both ways through the same code path.
// Thread-safety: one exchange belongs to one thread; GoneWatchFd's
// descriptor may be polled (never read) by another.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chat::web {

class Exchange {
 public:
  virtual ~Exchange() = default;

  // A CGI meta-variable (REQUEST_METHOD, QUERY_STRING, CONTENT_TYPE,
  // CONTENT_LENGTH, HTTP_LAST_EVENT_ID, ...); "" when absent.
  virtual std::string_view Param(const char* name) const = 0;

  // Reads the request body, at most `limit` bytes. Sets *too_large when the
  // body is longer (the rest is left unread). Returns false on an I/O error.
  virtual bool ReadBody(size_t limit, std::string* body, bool* too_large) = 0;

  // Buffers bytes for the client. Returns false once the client is gone.
  virtual bool Write(std::string_view bytes) = 0;
  // Sends everything buffered now. Returns false once the client is gone.
  virtual bool Flush() = 0;
  // True when the client has gone away, without blocking. Streams call it
  // between waits so a vanished browser is noticed while nothing flows.
  virtual bool ClientGone() = 0;
  // A descriptor that polls readable or hung up once the client is gone,
  // for a thread that watches a long wait: the web server's connection, its
  // request input already read. -1 when there is none (CGI).
  virtual int GoneWatchFd() = 0;
};

}  // namespace chat::web
