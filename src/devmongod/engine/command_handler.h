// The boundary between devmongod's network event loop and its engine.
//
// The event loop (single thread, epoll) owns sockets, buffers, timers and the
// wire encoding; the engine owns the data and executes commands. Commands
// never block: a getMore that has to wait for change events answers kWait and
// is simply executed again, with the same request, when the engine's change
// version moves or its deadline passes. That keeps waiting cursors free of
// threads and polling: 2,000 parked getMores are 2,000 entries in a list.
// Thread-safety: everything is called from the event-loop thread.
#pragma once

#include <cstdint>
#include <vector>

#include "common/bson_ptr.h"
#include "devmongod/wire/wire_message.h"

namespace devmongod {

struct ExecContext {
  uint64_t connection_id = 0;
  int64_t now_wall_ms = 0;  // milliseconds since the Unix epoch (for dates)
  int64_t now_mono_ms = 0;  // CLOCK_MONOTONIC milliseconds (for deadlines)
  // Set on the re-run after a kWait whose deadline has passed: the command
  // must now answer (an empty batch for a getMore).
  bool deadline_passed = false;
  // Set on the re-run after a kDelay (failCommand blockConnection): the
  // fail point has already fired for this request and must not fire again.
  bool failpoint_applied = false;
};

struct Outcome {
  enum class Kind {
    kReply,  // send `reply` (unless the request had moreToCome)
    kWait,   // run the request again when ChangeVersion() moves, or at `until_mono_ms`
    kDelay,  // run the request again at `until_mono_ms` with failpoint_applied = true
    kClose,  // close the connection without a reply
  };
  Kind kind = Kind::kReply;
  common::BsonPtr reply;
  int64_t until_mono_ms = 0;

  static Outcome Reply(common::BsonPtr doc) {
    Outcome o;
    o.reply = std::move(doc);
    return o;
  }
  static Outcome Wait(int64_t until) {
    Outcome o;
    o.kind = Kind::kWait;
    o.until_mono_ms = until;
    return o;
  }
  static Outcome Delay(int64_t until) {
    Outcome o;
    o.kind = Kind::kDelay;
    o.until_mono_ms = until;
    return o;
  }
  static Outcome Close() {
    Outcome o;
    o.kind = Kind::kClose;
    return o;
  }
};

class CommandHandler {
 public:
  virtual ~CommandHandler() = default;

  virtual Outcome Execute(const wire::Request& request, const ExecContext& ctx) = 0;

  // Bumped whenever change events are appended. After each batch of work the
  // loop compares it with the last value it saw and, if it moved, re-runs
  // every waiting request.
  virtual uint64_t ChangeVersion() const = 0;

  // Waiting requests that must re-run now although ChangeVersion() did not
  // move: their cursor was killed from another connection, and mongod ends
  // such a getMore at once (CursorKilled) rather than at its await time.
  // Each id is returned once.
  virtual std::vector<uint64_t> TakeInterruptedWaits() { return {}; }

  // Called once per loop iteration after commands ran and before replies are
  // written to sockets: the place to make acknowledged writes durable
  // (group commit: one fdatasync covers every write of the iteration).
  virtual void BeforeReplies() = 0;

  // Housekeeping (idle cursor reaping, interval fsync), at least once a second.
  virtual void OnTick(int64_t now_mono_ms) = 0;

  virtual void OnConnectionOpened(uint64_t connection_id) = 0;
  virtual void OnConnectionClosed(uint64_t connection_id) = 0;
};

}  // namespace devmongod
