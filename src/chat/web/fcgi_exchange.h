// Exchange over a libfcgi request (one FastCGI connection per request, as
// nginx uses it with fastcgi_keep_conn off).
#pragma once

#include <fcgiapp.h>

#include "chat/web/exchange.h"

namespace chat::web {

class FcgiExchange final : public Exchange {
 public:
  // `request` must have been accepted and stays owned by the caller.
  explicit FcgiExchange(FCGX_Request* request) : request_(request) {}

  std::string_view Param(const char* name) const override;
  bool ReadBody(size_t limit, std::string* body, bool* too_large) override;
  bool Write(std::string_view bytes) override;
  bool Flush() override;
  bool ClientGone() override;
  int GoneWatchFd() override;

 private:
  void DrainInput();

  FCGX_Request* request_;
  bool input_drained_ = false;
  bool gone_ = false;
};

}  // namespace chat::web
