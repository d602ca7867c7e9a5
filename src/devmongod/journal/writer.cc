// Journal appends: whole records or nothing, and an honest fdatasync.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "devmongod/journal/journal.h"

namespace devmongod::journal {
namespace {

std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

}  // namespace

std::expected<Writer, std::string> Writer::Open(const std::string& path) {
  common::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd.valid()) return std::unexpected("cannot open " + path + ": " + ErrnoText(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return std::unexpected("cannot stat " + path + ": " + ErrnoText(errno));
  return Writer(std::move(fd), static_cast<uint64_t>(st.st_size));
}

std::expected<void, std::string> Writer::Append(const bson_t& entry) {
  if (!broken_.empty())
    return std::unexpected("journal unusable after an earlier failure: " + broken_);
  if (entry.len > kMaxPayloadSize) {
    return std::unexpected("journal entry of " + std::to_string(entry.len) + " bytes exceeds the " +
                           std::to_string(kMaxPayloadSize) + "-byte record limit");
  }
  std::string record;
  record.reserve(kRecordHeaderSize + entry.len);
  EncodeRecord({bson_get_data(&entry), entry.len}, &record);

  size_t written = 0;
  while (written < record.size()) {
    const ssize_t n = ::write(fd_.get(), record.data() + written, record.size() - written);
    if (n > 0) {
      written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    // write(2) returning 0 for a non-empty buffer would loop forever.
    const std::string why = n < 0 ? ErrnoText(errno) : "write made no progress";
    // A partial record must not stay: the next append would bury it
    // mid-file, and replay would then refuse the journal as corrupt.
    if (written > 0 && ::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0) {
      broken_ = "journal write failed (" + why + ") and the partial record could not be removed (" +
                ErrnoText(errno) + ")";
      return std::unexpected(broken_);
    }
    return std::unexpected("journal write failed: " + why);
  }
  size_ += record.size();
  unsynced_ = true;
  return {};
}

std::expected<void, std::string> Writer::Sync() {
  if (!broken_.empty())
    return std::unexpected("journal unusable after an earlier failure: " + broken_);
  while (::fdatasync(fd_.get()) != 0) {
    if (errno == EINTR) continue;
    // Sticky: after a failed fdatasync Linux may drop the dirty pages and
    // clear the error, so a later "successful" sync would promise
    // durability for data that is gone.
    broken_ = "fdatasync failed: " + ErrnoText(errno);
    return std::unexpected(broken_);
  }
  unsynced_ = false;
  return {};
}

}  // namespace devmongod::journal
