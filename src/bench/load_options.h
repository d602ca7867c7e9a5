// Command-line options of chat-load, the benchmark's load client, parsed and
// validated in one place (a table of flags, --help generated from it).
//
// Thread-safety: plain values; ParseLoadOptions is pure.
#pragma once

#include <expected>
#include <string>
#include <vector>

namespace bench {

struct LoadOptions {
  std::string host = "127.0.0.1";  // loopback only, checked by ParseLoadOptions
  int port = 0;
  int sse_connections = 0;
  std::string url_path = "/api/stream-messages?room=bench";
  std::string room = "bench";  // room the posts go to
  int reconnect_every_ms = 0;  // 0: streams stay open
  int retry_503_ms = 0;  // a stream refused with 503 before it opened retries after this (0: never)
  double post_rate = 0;  // posts per second; 0: no posts
  double post_duration_s = 0;
  int post_connections = 4;     // keep-alive connections used by the poster
  double hold_s = 0;            // keep streams open this long when not posting
  double drain_s = 10;          // after the last post, wait this long for stragglers
  double ready_timeout_s = 60;  // wait this long for every stream's response head
  double max_seconds = 120;     // hard cap of the whole run
  std::string run_tag;          // marks this run's posts; default from pid and time
};

// Parses argv[1..]. On error or --help returns the text to print (help text
// starts with "usage:").
std::expected<LoadOptions, std::string> ParseLoadOptions(const std::vector<std::string>& args);

// True for 127.0.0.0/8 and ::1 literals: chat-load never loads other hosts.
bool IsLoopbackLiteral(const std::string& host);

}  // namespace bench
