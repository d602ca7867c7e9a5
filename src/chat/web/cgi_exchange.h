// Exchange for a plain CGI invocation: request in the environment and on
// stdin, response on stdout. The client going away shows as a failed write
// (or a hung-up stdout), so streams rely on heartbeats to notice it.
#pragma once

#include <string>

#include "chat/web/exchange.h"

namespace chat::web {

class CgiExchange final : public Exchange {
 public:
  CgiExchange(int in_fd, int out_fd) : in_fd_(in_fd), out_fd_(out_fd) {}

  std::string_view Param(const char* name) const override;
  bool ReadBody(size_t limit, std::string* body, bool* too_large) override;
  bool Write(std::string_view bytes) override;
  bool Flush() override;
  bool ClientGone() override;
  int GoneWatchFd() override { return -1; }

 private:
  int in_fd_;
  int out_fd_;
  std::string pending_;
  bool gone_ = false;
};

}  // namespace chat::web
