// devmongod's engine: databases and collections in memory, the change-event
// history, cursors, fail points and (with a dbpath) the journal. It executes
// one command at a time for the event loop (see command_handler.h).
// Thread-safety: single-threaded, owned and driven by the event loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "devmongod/engine/command_handler.h"

namespace devmongod {

struct EngineOptions {
  std::string replset = "rs0";
  std::string advertise;          // "host:port" reported in hosts/me/primary
  std::string dbpath;             // "" = memory only
  size_t oplog_entries = 100000;  // change events kept for resuming
  int64_t cursor_timeout_ms = 600000;
  enum class Fsync { kAlways, kInterval, kNever };
  Fsync fsync = Fsync::kAlways;      // kAlways: fdatasync before acknowledging (group commit)
  int64_t fsync_interval_ms = 100;   // kInterval: fdatasync at most this long after a write
  bool enable_test_commands = true;  // configureFailPoint
  // At open, a journal at least this large and more than twice the live data
  // (documents, change history, retryable writes) is rewritten compactly.
  uint64_t compact_min_bytes = 64ull * 1024 * 1024;
};

// Opens the engine; with a dbpath, takes the dbpath's lock and replays the
// journal (collections, indexes, change history). The error is one line.
std::expected<std::unique_ptr<CommandHandler>, std::string> OpenEngine(const EngineOptions& options,
                                                                       int64_t now_wall_ms);

}  // namespace devmongod
