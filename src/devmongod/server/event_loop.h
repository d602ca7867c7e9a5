// devmongod's network event loop: one thread, epoll (level-triggered), every
// connection non-blocking. It accepts connections, frames requests with the
// wire parser, runs them through the CommandHandler and writes the replies.
//
// Per iteration: handle socket events (read, parse, execute); re-run waiting
// requests when the handler's ChangeVersion() moved, and requests whose
// deadline or delay expired; call BeforeReplies() once (group commit); only
// then write replies. Replies are never written before BeforeReplies(), so an
// acknowledged write is always durable when the fsync policy says so.
//
// Thread-safety: Run() and everything else on one thread. The loop stops when
// `stop_fd` becomes readable (a signalfd in main, an eventfd in tests), which
// is the only way other threads may talk to it.
#pragma once

#include <sys/epoll.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/unique_fd.h"
#include "devmongod/engine/command_handler.h"
#include "devmongod/server/connection.h"
#include "devmongod/server/listener.h"
#include "devmongod/server/timer_queue.h"

namespace devmongod::server {

struct LoopOptions {
  size_t max_connections = 10000;
  bool quiet = false;
  // A connection whose unsent replies exceed this is not read (nor are its
  // queued requests run) until it drains: a client that never reads must not
  // make the server buffer without bound.
  size_t max_output_bytes = size_t{64} * 1024 * 1024;
  // While a request waits, the client may pipeline more; stop reading past this.
  size_t max_queued_input_bytes = size_t{1024} * 1024;
  int32_t max_message_bytes = wire::kMaxMessageSizeBytes;
};

class EventLoop {
 public:
  // `handler` must outlive the loop. `stop_fd` is borrowed.
  static std::expected<std::unique_ptr<EventLoop>, std::string> Create(Listener listener,
                                                                       CommandHandler& handler,
                                                                       LoopOptions options,
                                                                       int stop_fd);
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop();

  // Serves until stop_fd is readable, then stops accepting, calls
  // BeforeReplies() a last time, sends what it can and closes every
  // connection. The error (epoll failure) is one line.
  std::expected<void, std::string> Run();

 private:
  EventLoop(Listener listener, CommandHandler& handler, LoopOptions options,
            common::UniqueFd epoll);

  void AcceptAll();
  void OnConnectionEvent(uint64_t id, uint32_t events);
  // Parses and runs buffered requests until one waits, input runs out, the
  // output limit is hit or the connection closes.
  void ProcessInput(Connection& c);
  // Runs one request and acts on its outcome; `deadline_passed` on the re-run
  // of an expired wait.
  void Dispatch(Connection& c, wire::Request request, bool deadline_passed);
  void Park(Connection& c, wire::Request request, Connection::Pending kind, int64_t until_ms);
  void Unpark(Connection& c);
  void Resume(uint64_t id, bool deadline_passed);
  void RunWaiters();
  void FlushDirty();
  void MarkDirty(Connection& c);
  void UpdateInterest(Connection& c);
  void Close(Connection& c, const std::string& reason, bool warn);
  void ReapClosed();
  void Shutdown();
  int NextTimeoutMs(int64_t now_ms) const;
  int32_t NextReplyId();
  Connection* Find(uint64_t id);

  Listener listener_;
  CommandHandler& handler_;
  const LoopOptions options_;
  common::UniqueFd epoll_;
  int stop_fd_ = -1;

  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  uint64_t next_connection_id_ = 1;
  int32_t next_reply_id_ = 1;

  std::unordered_set<uint64_t> waiting_;  // kWait connections, re-run on change
  TimerQueue timers_;
  uint64_t seen_change_version_ = 0;

  std::vector<uint64_t> dirty_;         // have output to write after BeforeReplies
  std::vector<uint64_t> resume_input_;  // drained below the output limit with input queued
  std::vector<uint64_t> closed_;        // to erase at the end of the iteration

  int64_t next_tick_ms_ = 0;
  int64_t accept_paused_until_ms_ = 0;  // after EMFILE: retry accepting later
  bool accept_paused_ = false;

  std::vector<uint8_t> read_scratch_;
  std::vector<epoll_event> events_;
};

}  // namespace devmongod::server
