// devmongod's append-only journal: the record format, a writer, and replay.
//
// Record: u32 little-endian payload length, u32 little-endian CRC-32C of the
// payload, then the payload (one BSON document describing one write). A
// record is only trusted if its length fits, its CRC matches and its payload
// is valid BSON. A damaged record at the very end of the file is a torn write
// from a crash: replay drops it and truncates the file there. A damaged record
// followed by more data is corruption: replay refuses to go on.
// Thread-safety: a Writer is used by one thread.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <span>
#include <string>

#include "common/unique_fd.h"

namespace devmongod::journal {

inline constexpr size_t kRecordHeaderSize = 8;
inline constexpr uint32_t kMaxPayloadSize = 48u * 1024u * 1024u;

// Appends one framed record to `out`.
void EncodeRecord(std::span<const uint8_t> payload, std::string* out);

struct Decoded {
  enum class Status {
    kRecord,  // `payload` is one intact record; it used `consumed` bytes
    kEnd,     // input is empty
    kDamaged  // the bytes at the start are not an intact record (`why` says how);
              // `consumed` is the extent its header declares (header plus
              // declared length, possibly past the input), or the input size
              // when even the header is cut short
  };
  Status status = Status::kEnd;
  size_t consumed = 0;
  std::span<const uint8_t> payload;
  std::string why;
};
Decoded DecodeRecord(std::span<const uint8_t> input);

class Writer {
 public:
  // Opens (creating if needed, mode 0600) `path` for appending.
  static std::expected<Writer, std::string> Open(const std::string& path);

  // Frames `entry` and write(2)s it completely before returning, so the
  // record is in the kernel's page cache (it survives the process dying).
  std::expected<void, std::string> Append(const bson_t& entry);
  // fdatasync(2): the records survive the machine losing power.
  std::expected<void, std::string> Sync();
  uint64_t size() const { return size_; }
  bool has_unsynced_writes() const { return unsynced_; }

 private:
  Writer(common::UniqueFd fd, uint64_t size) : fd_(std::move(fd)), size_(size) {}
  common::UniqueFd fd_;
  uint64_t size_ = 0;
  bool unsynced_ = false;
  // Set once the file may no longer match what was acknowledged (a failed
  // fdatasync, or a partial record that could not be cut off); from then on
  // Append and Sync fail with it.
  std::string broken_;
};

struct ReplayStats {
  uint64_t records = 0;
  uint64_t valid_bytes = 0;
  uint64_t dropped_bytes = 0;  // torn tail removed from the file
  std::string dropped_reason;  // why the tail was dropped, "" if nothing was
};

// Calls `apply` for every intact record of `path` in order (a missing file is
// an empty journal). `apply` returns "" to go on or an error message to stop
// replay with that error. A torn tail is truncated away and reported in the
// stats; corruption before the end is an error naming the offset.
// A damaged record is a torn tail when nothing but zero bytes lies past the
// end its header declares (nothing at all, usually): no intact record can
// follow it, so no acknowledged write is lost by dropping it.
//
// bson_t carries an alignment attribute that GCC drops (and warns about,
// -Wignored-attributes) when the type appears in std::function's signature;
// it is passed by reference, so nothing depends on it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
std::expected<ReplayStats, std::string> Replay(
    const std::string& path, const std::function<std::string(const bson_t& entry)>& apply);
#pragma GCC diagnostic pop

}  // namespace devmongod::journal
