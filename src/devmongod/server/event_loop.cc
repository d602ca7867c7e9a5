#include "devmongod/server/event_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "devmongod/engine/log.h"
#include "devmongod/server/clock.h"

namespace devmongod::server {
namespace {

// epoll_event.data tags: connection ids start at 1.
constexpr uint64_t kListenerTag = 0;
constexpr uint64_t kStopTag = std::numeric_limits<uint64_t>::max();

constexpr size_t kMaxEventsPerWait = 256;
constexpr size_t kReadScratchBytes = size_t{64} * 1024;
// Bytes read from one connection per readiness event, so one fast sender
// cannot starve the others (level-triggered epoll brings us back).
constexpr size_t kReadBudgetPerEvent = size_t{1024} * 1024;
constexpr int64_t kTickIntervalMs = 500;
constexpr int64_t kAcceptRetryMs = 100;
// Re-running waiters can run queued writes that move the change version
// again; bound the rounds per iteration and let the next one continue.
constexpr int kMaxWakeRounds = 8;

std::string PeerName(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "?";
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (addr.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
    port = ntohs(v4->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
    port = ntohs(v6->sin6_port);
  }
  return JoinHostPort(host, port);
}

}  // namespace

std::expected<std::unique_ptr<EventLoop>, std::string> EventLoop::Create(Listener listener,
                                                                         CommandHandler& handler,
                                                                         LoopOptions options,
                                                                         int stop_fd) {
  common::UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll.valid()) return std::unexpected(std::string("epoll_create1: ") + std::strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenerTag;
  if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, listener.fd.get(), &ev) != 0) {
    return std::unexpected(std::string("epoll_ctl(listener): ") + std::strerror(errno));
  }
  ev.data.u64 = kStopTag;
  if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, stop_fd, &ev) != 0) {
    return std::unexpected(std::string("epoll_ctl(stop fd): ") + std::strerror(errno));
  }
  std::unique_ptr<EventLoop> loop(
      new EventLoop(std::move(listener), handler, options, std::move(epoll)));
  loop->stop_fd_ = stop_fd;
  return loop;
}

EventLoop::EventLoop(Listener listener, CommandHandler& handler, LoopOptions options,
                     common::UniqueFd epoll)
    : listener_(std::move(listener)),
      handler_(handler),
      options_(options),
      epoll_(std::move(epoll)),
      read_scratch_(kReadScratchBytes),
      events_(kMaxEventsPerWait) {
  seen_change_version_ = handler_.ChangeVersion();
}

EventLoop::~EventLoop() { Shutdown(); }

std::expected<void, std::string> EventLoop::Run() {
  next_tick_ms_ = MonoNowMs();
  bool stopping = false;
  while (!stopping) {
    int timeout = NextTimeoutMs(MonoNowMs());
    int n = ::epoll_wait(epoll_.get(), events_.data(), static_cast<int>(events_.size()), timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(std::string("epoll_wait: ") + std::strerror(errno));
    }
    for (int i = 0; i < n; ++i) {
      uint64_t tag = events_[i].data.u64;
      if (tag == kListenerTag) {
        AcceptAll();
      } else if (tag == kStopTag) {
        stopping = true;
      } else {
        OnConnectionEvent(tag, events_[i].events);
      }
    }
    // Connections whose output drained below the limit in the last flush.
    for (uint64_t id : std::exchange(resume_input_, {})) {
      if (Connection* c = Find(id)) ProcessInput(*c);
    }
    int64_t now = MonoNowMs();
    if (accept_paused_ && now >= accept_paused_until_ms_) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = kListenerTag;
      if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, listener_.fd.get(), &ev) == 0) {
        accept_paused_ = false;
      }
    }
    if (now >= next_tick_ms_) {
      handler_.OnTick(now);
      next_tick_ms_ = now + kTickIntervalMs;
    }
    RunWaiters();
    handler_.BeforeReplies();
    FlushDirty();
    ReapClosed();
  }
  Shutdown();
  return {};
}

int EventLoop::NextTimeoutMs(int64_t now) const {
  if (!resume_input_.empty() || handler_.ChangeVersion() != seen_change_version_) return 0;
  int64_t wake = next_tick_ms_;
  if (auto deadline = timers_.NextDeadline()) wake = std::min(wake, *deadline);
  if (accept_paused_) wake = std::min(wake, accept_paused_until_ms_);
  return static_cast<int>(std::clamp<int64_t>(wake - now, 0, kTickIntervalMs));
}

void EventLoop::AcceptAll() {
  while (true) {
    int fd = ::accept4(listener_.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      // Out of descriptors or memory: level-triggered epoll would report the
      // listener again at once, so stop watching it for a moment.
      LogLine(LogLevel::kWarn, std::string("accept: ") + std::strerror(errno));
      epoll_event ev{};
      ev.data.u64 = kListenerTag;
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, listener_.fd.get(), &ev);
      accept_paused_ = true;
      accept_paused_until_ms_ = MonoNowMs() + kAcceptRetryMs;
      return;
    }
    common::UniqueFd socket(fd);
    if (connections_.size() >= options_.max_connections) {
      LogLine(LogLevel::kWarn, "refusing connection from " + PeerName(fd) + ": --max-connections " +
                                   std::to_string(options_.max_connections) + " reached");
      continue;  // `socket` closes it
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    uint64_t id = next_connection_id_++;
    auto c = std::make_unique<Connection>(id, std::move(socket));
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = id;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
      LogLine(LogLevel::kWarn, std::string("epoll_ctl: ") + std::strerror(errno),
              ConnectionField(id));
      continue;
    }
    c->epoll_events = ev.events;
    if (!options_.quiet)
      LogLine(LogLevel::kInfo, "connection accepted from " + PeerName(fd), ConnectionField(id));
    connections_.emplace(id, std::move(c));
    handler_.OnConnectionOpened(id);
  }
}

void EventLoop::OnConnectionEvent(uint64_t id, uint32_t events) {
  Connection* c = Find(id);
  if (c == nullptr) return;
  if (events & EPOLLOUT) {
    c->write_blocked = false;
    MarkDirty(*c);
  }
  if (events & EPOLLIN) {
    IoResult r = c->ReadAvailable(read_scratch_, kReadBudgetPerEvent);
    // Requests that arrived before the peer's FIN are still run: a client
    // may send a moreToCome write and hang up.
    ProcessInput(*c);
    if (c->closed) return;
    if (r.status == IoStatus::kEof) {
      Close(*c, "peer closed the connection", false);
      return;
    }
    if (r.status == IoStatus::kError) {
      Close(*c, r.error, true);
      return;
    }
  } else if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    // Not reading (backpressure or a full queue) and the peer is gone.
    Close(*c, "peer closed the connection", false);
    return;
  }
  UpdateInterest(*c);
}

void EventLoop::ProcessInput(Connection& c) {
  while (!c.closed && c.pending == Connection::Pending::kNone &&
         c.output.size() < options_.max_output_bytes && !c.input.empty()) {
    wire::ParseResult parsed = wire::ParseMessage(c.input.bytes(), options_.max_message_bytes);
    if (parsed.status == wire::ParseResult::Status::kNeedMore) break;
    if (parsed.status == wire::ParseResult::Status::kError) {
      Close(c, "closing connection: " + parsed.error, true);
      return;
    }
    c.input.Consume(parsed.consumed);
    Dispatch(c, std::move(parsed.request), false);
  }
  if (!c.closed) UpdateInterest(c);
}

void EventLoop::Dispatch(Connection& c, wire::Request request, bool deadline_passed) {
  ExecContext ctx;
  ctx.connection_id = c.id;
  ctx.now_wall_ms = WallNowMs();
  ctx.now_mono_ms = MonoNowMs();
  ctx.deadline_passed = deadline_passed;
  ctx.failpoint_applied = c.failpoint_applied;
  Outcome outcome = handler_.Execute(request, ctx);
  switch (outcome.kind) {
    case Outcome::Kind::kReply:
      c.failpoint_applied = false;
      if (request.more_to_come()) return;  // the client asked for no reply
      if (!outcome.reply) {
        Close(c, "closing connection: the engine produced no reply", true);
        return;
      }
      c.output.Append(wire::EncodeReply(request, NextReplyId(), *outcome.reply));
      MarkDirty(c);
      return;
    case Outcome::Kind::kWait:
      if (deadline_passed && outcome.until_mono_ms <= ctx.now_mono_ms) {
        // The contract says an expired wait must answer; waiting again on a
        // past deadline would spin the loop.
        Close(c, "closing connection: request kept waiting after its deadline", true);
        return;
      }
      Park(c, std::move(request), Connection::Pending::kWait, outcome.until_mono_ms);
      return;
    case Outcome::Kind::kDelay:
      Park(c, std::move(request), Connection::Pending::kDelay, outcome.until_mono_ms);
      return;
    case Outcome::Kind::kClose:
      Close(c, "closed by command", false);
      return;
  }
}

void EventLoop::Park(Connection& c, wire::Request request, Connection::Pending kind,
                     int64_t until_ms) {
  c.pending_request = std::move(request);
  c.pending = kind;
  c.pending_until_ms = until_ms;
  timers_.Add(until_ms, c.id);
  if (kind == Connection::Pending::kWait) waiting_.insert(c.id);
}

void EventLoop::Unpark(Connection& c) {
  if (c.pending == Connection::Pending::kNone) return;
  timers_.Remove(c.pending_until_ms, c.id);
  waiting_.erase(c.id);
  c.pending = Connection::Pending::kNone;
}

void EventLoop::Resume(uint64_t id, bool timer_fired) {
  Connection* c = Find(id);
  if (c == nullptr || c->pending == Connection::Pending::kNone) return;
  bool was_delay = c->pending == Connection::Pending::kDelay;
  // A delayed request is only due when its timer fires; change events do not
  // shorten a blockConnection.
  if (was_delay && !timer_fired) return;
  Unpark(*c);
  wire::Request request = std::move(*c->pending_request);
  c->pending_request.reset();
  if (was_delay) c->failpoint_applied = true;
  Dispatch(*c, std::move(request), timer_fired && !was_delay);
  if (!c->closed && c->pending == Connection::Pending::kNone) ProcessInput(*c);
}

void EventLoop::RunWaiters() {
  for (int round = 0; round < kMaxWakeRounds; ++round) {
    bool progress = false;
    uint64_t version = handler_.ChangeVersion();
    if (version != seen_change_version_) {
      seen_change_version_ = version;
      std::vector<uint64_t> woken(waiting_.begin(), waiting_.end());
      // Oldest connection first, so fan-out order does not depend on hashing.
      std::sort(woken.begin(), woken.end());
      for (uint64_t id : woken) Resume(id, false);
      progress = true;
    }
    for (uint64_t id : handler_.TakeInterruptedWaits()) {
      Resume(id, false);
      progress = true;
    }
    for (uint64_t id : timers_.PopExpired(MonoNowMs())) {
      // PopExpired removed the entry already; Unpark's Remove is then a no-op.
      Resume(id, true);
      progress = true;
    }
    if (!progress) return;
  }
}

void EventLoop::MarkDirty(Connection& c) {
  if (c.dirty) return;
  c.dirty = true;
  dirty_.push_back(c.id);
}

void EventLoop::FlushDirty() {
  for (uint64_t id : std::exchange(dirty_, {})) {
    Connection* c = Find(id);
    if (c == nullptr) continue;
    c->dirty = false;
    if (c->write_blocked) continue;  // EPOLLOUT will tell us
    bool was_over = c->output.size() >= options_.max_output_bytes;
    IoResult r = c->Flush();
    if (r.status == IoStatus::kError) {
      Close(*c, r.error, false);
      continue;
    }
    c->write_blocked = r.status == IoStatus::kBlocked;
    if (was_over && c->output.size() < options_.max_output_bytes && !c->input.empty()) {
      resume_input_.push_back(id);
    }
    UpdateInterest(*c);
  }
}

void EventLoop::UpdateInterest(Connection& c) {
  bool over_output = c.output.size() >= options_.max_output_bytes;
  bool queue_full =
      c.pending != Connection::Pending::kNone && c.input.size() >= options_.max_queued_input_bytes;
  uint32_t want = EPOLLRDHUP;
  if (!over_output && !queue_full) want |= EPOLLIN;
  if (c.write_blocked) want |= EPOLLOUT;
  if (want == c.epoll_events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c.id;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev) != 0) {
    Close(c, std::string("epoll_ctl: ") + std::strerror(errno), true);
    return;
  }
  c.epoll_events = want;
}

void EventLoop::Close(Connection& c, const std::string& reason, bool warn) {
  if (c.closed) return;
  if (warn) {
    LogLine(LogLevel::kWarn, reason, ConnectionField(c.id));
  } else if (!options_.quiet) {
    LogLine(LogLevel::kInfo, "connection closed: " + reason, ConnectionField(c.id));
  }
  Unpark(c);
  c.pending_request.reset();
  c.closed = true;
  c.fd.reset();  // close() also removes it from the epoll set
  c.input.Clear();
  c.output.Clear();
  closed_.push_back(c.id);
  handler_.OnConnectionClosed(c.id);
}

void EventLoop::ReapClosed() {
  for (uint64_t id : std::exchange(closed_, {})) connections_.erase(id);
}

void EventLoop::Shutdown() {
  if (!listener_.fd.valid()) return;
  listener_.fd.reset();
  // Replies already queued may acknowledge writes: make them durable first.
  handler_.BeforeReplies();
  for (auto& [id, c] : connections_) {
    if (c->closed) continue;
    (void)c->Flush();  // best effort: whatever the socket takes now
    Close(*c, "server shutting down", false);
  }
  ReapClosed();
}

int32_t EventLoop::NextReplyId() {
  int32_t id = next_reply_id_;
  next_reply_id_ = next_reply_id_ == std::numeric_limits<int32_t>::max() ? 1 : next_reply_id_ + 1;
  return id;
}

Connection* EventLoop::Find(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second->closed) return nullptr;
  return it->second.get();
}

}  // namespace devmongod::server
