// Journal replay: applies intact records and tells a torn tail (a crash in
// the middle of the last append: drop it) from corruption (damage with a
// completed write after it: refuse to guess).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

#include "devmongod/journal/journal.h"

namespace devmongod::journal {
namespace {

std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::expected<std::vector<uint8_t>, std::string> ReadAll(int fd, const std::string& path) {
  std::vector<uint8_t> data;
  constexpr size_t kChunk = 1 << 20;
  for (;;) {
    const size_t used = data.size();
    data.resize(used + kChunk);
    const ssize_t n = ::read(fd, data.data() + used, kChunk);
    if (n < 0 && errno == EINTR) {
      data.resize(used);
      continue;
    }
    if (n < 0) return std::unexpected("cannot read " + path + ": " + ErrnoText(errno));
    data.resize(used + static_cast<size_t>(n));
    if (n == 0) return data;
  }
}

// A damaged record is the torn tail of the file when no intact record can
// follow it: nothing lies past its declared end, or only zero bytes do (a
// crash can leave the file longer than the data that reached the disk, and
// an intact record never starts with a zero length).
bool IsTornTail(std::span<const uint8_t> file, size_t offset, size_t declared_extent) {
  if (declared_extent >= file.size() - offset) return true;
  const std::span<const uint8_t> after = file.subspan(offset + declared_extent);
  return std::all_of(after.begin(), after.end(), [](uint8_t byte) { return byte == 0; });
}

std::expected<void, std::string> TruncateTo(const std::string& path, uint64_t size) {
  common::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return std::unexpected("cannot open " + path + ": " + ErrnoText(errno));
  if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0 || ::fsync(fd.get()) != 0) {
    return std::unexpected("cannot truncate the torn tail of " + path + ": " + ErrnoText(errno));
  }
  return {};
}

}  // namespace

// See journal.h for why the warning is silenced around this signature.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
std::expected<ReplayStats, std::string> Replay(
    const std::string& path, const std::function<std::string(const bson_t& entry)>& apply) {
#pragma GCC diagnostic pop
  ReplayStats stats;
  std::vector<uint8_t> file;
  {
    common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      if (errno == ENOENT) return stats;
      return std::unexpected("cannot open " + path + ": " + ErrnoText(errno));
    }
    auto data = ReadAll(fd.get(), path);
    if (!data) return std::unexpected(data.error());
    file = std::move(*data);
  }

  const std::span<const uint8_t> bytes(file);
  size_t offset = 0;
  for (;;) {
    const Decoded decoded = DecodeRecord(bytes.subspan(offset));
    if (decoded.status == Decoded::Status::kEnd) break;
    if (decoded.status == Decoded::Status::kDamaged) {
      if (!IsTornTail(bytes, offset, decoded.consumed)) {
        return std::unexpected("journal " + path + " is corrupt at byte offset " +
                               std::to_string(offset) + ": " + decoded.why + ", and " +
                               std::to_string(bytes.size() - offset - decoded.consumed) +
                               " bytes of later writes follow it");
      }
      if (auto truncated = TruncateTo(path, offset); !truncated) {
        return std::unexpected(truncated.error());
      }
      stats.dropped_bytes = bytes.size() - offset;
      stats.dropped_reason = decoded.why + " at byte offset " + std::to_string(offset);
      break;
    }
    bson_t entry;
    bson_init_static(&entry, decoded.payload.data(), decoded.payload.size());  // validated
    if (std::string error = apply(entry); !error.empty()) {
      return std::unexpected("journal record at byte offset " + std::to_string(offset) + ": " +
                             error);
    }
    offset += decoded.consumed;
    ++stats.records;
  }
  stats.valid_bytes = offset;
  return stats;
}

}  // namespace devmongod::journal
