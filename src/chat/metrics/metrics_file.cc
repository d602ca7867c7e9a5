#include "chat/metrics/metrics_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/unique_fd.h"

namespace chat::metrics {
namespace {

std::string PathOf(const std::string& dir, Pool pool) {
  return dir + "/" + std::string(MetricsFileName(pool));
}

std::string SystemError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

bool HasCurrentLayout(const MetricsBlock& block) {
  return block.magic.load() == kMagic && block.version.load() == kLayoutVersion &&
         block.slot_count.load() == slot::kCount;
}

// Under the file's lock: a block left by another layout (or a fresh, zeroed
// file) starts over; one of this layout is kept, counts and all.
void Initialise(MetricsBlock& block) {
  if (HasCurrentLayout(block)) return;
  block.magic.store(0);
  for (auto& value : block.slots) value.store(0, std::memory_order_relaxed);
  block.version.store(kLayoutVersion);
  block.slot_count.store(slot::kCount);
  block.magic.store(kMagic);
}

}  // namespace

std::string_view MetricsFileName(Pool pool) {
  return pool == Pool::kStream ? "stream-messages.metrics" : "messages.metrics";
}

std::expected<Pool, std::string> PoolOfProgram(std::string_view program_path) {
  const size_t slash = program_path.rfind('/');
  const std::string_view name =
      slash == std::string_view::npos ? program_path : program_path.substr(slash + 1);
  if (name == "stream-messages") return Pool::kStream;
  if (name == "messages") return Pool::kMessages;
  return std::unexpected("no chat metrics for program \"" + std::string(name) + "\"");
}

std::expected<MetricsFile, std::string> MetricsFile::Open(const std::string& dir, Pool pool) {
  const std::string path = PathOf(dir, pool);
  common::UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0660));
  if (!fd.valid()) return std::unexpected(SystemError("cannot open", path));
  if (flock(fd.get(), LOCK_EX) != 0) return std::unexpected(SystemError("cannot lock", path));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return std::unexpected(SystemError("cannot stat", path));
  if (static_cast<size_t>(st.st_size) != sizeof(MetricsBlock) &&
      ftruncate(fd.get(), sizeof(MetricsBlock)) != 0) {
    return std::unexpected(SystemError("cannot size", path));
  }
  void* mapped =
      mmap(nullptr, sizeof(MetricsBlock), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (mapped == MAP_FAILED) return std::unexpected(SystemError("cannot map", path));
  auto* block = static_cast<MetricsBlock*>(mapped);
  Initialise(*block);
  flock(fd.get(), LOCK_UN);
  return MetricsFile(block);
}

std::expected<MetricsFile, std::string> MetricsFile::OpenForReading(const std::string& dir,
                                                                    Pool pool) {
  const std::string path = PathOf(dir, pool);
  common::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::unexpected(SystemError("cannot open", path));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || static_cast<size_t>(st.st_size) != sizeof(MetricsBlock)) {
    return std::unexpected(path + " is not a metrics file of this version");
  }
  void* mapped = mmap(nullptr, sizeof(MetricsBlock), PROT_READ, MAP_SHARED, fd.get(), 0);
  if (mapped == MAP_FAILED) return std::unexpected(SystemError("cannot map", path));
  auto* block = static_cast<MetricsBlock*>(mapped);
  if (!HasCurrentLayout(*block)) {
    munmap(mapped, sizeof(MetricsBlock));
    return std::unexpected(path + " is not a metrics file of this version");
  }
  return MetricsFile(block);
}

MetricsFile::MetricsFile(MetricsFile&& other) noexcept
    : block_(std::exchange(other.block_, nullptr)) {}

MetricsFile& MetricsFile::operator=(MetricsFile&& other) noexcept {
  if (this != &other) {
    if (block_) munmap(block_, sizeof(MetricsBlock));
    block_ = std::exchange(other.block_, nullptr);
  }
  return *this;
}

MetricsFile::~MetricsFile() {
  if (block_) munmap(block_, sizeof(MetricsBlock));
}

}  // namespace chat::metrics
