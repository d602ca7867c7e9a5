// The file a program's metrics block lives in: `<CHAT_METRICS_DIR>/<program>.metrics`,
// mapped shared by every process of that program. The file is created (and
// initialised under an flock, so concurrent starters agree) by whoever opens
// it first; a file of another layout version is reset.
// Thread-safety: a MetricsFile is used from one thread; the block it maps is
// shared (see metrics_block.h).
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "chat/metrics/metrics_block.h"

namespace chat::metrics {

// "stream-messages.metrics" or "messages.metrics".
std::string_view MetricsFileName(Pool pool);

// Which pool's program `program` is ("stream-messages" / "messages"), by the
// file name of a program path; nullopt for anything else.
std::expected<Pool, std::string> PoolOfProgram(std::string_view program_path);

class MetricsFile {
 public:
  // Opens (creating if needed) the read-write mapping of `pool`'s file in `dir`.
  static std::expected<MetricsFile, std::string> Open(const std::string& dir, Pool pool);
  // Maps an existing file read-only (for /metrics); an error when it is
  // missing or not a metrics file of this layout.
  static std::expected<MetricsFile, std::string> OpenForReading(const std::string& dir, Pool pool);

  MetricsFile(MetricsFile&& other) noexcept;
  MetricsFile& operator=(MetricsFile&& other) noexcept;
  MetricsFile(const MetricsFile&) = delete;
  MetricsFile& operator=(const MetricsFile&) = delete;
  ~MetricsFile();

  MetricsBlock& block() { return *block_; }
  const MetricsBlock& block() const { return *block_; }

 private:
  explicit MetricsFile(MetricsBlock* block) : block_(block) {}
  MetricsBlock* block_ = nullptr;
};

}  // namespace chat::metrics
