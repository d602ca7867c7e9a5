// A bounds-checked forward cursor over the bytes of one wire message.
//
// Every read either succeeds entirely within the span or fails without
// moving, so parsers built on it cannot read past the message whatever the
// length fields claim. Thread-safety: one reader per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace devmongod::wire {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  size_t remaining() const { return bytes_.size() - offset_; }
  bool at_end() const { return offset_ == bytes_.size(); }

  bool ReadU8(uint8_t* value);
  bool ReadI32(int32_t* value);
  bool ReadU32(uint32_t* value);
  // A NUL-terminated string; `value` excludes the terminator. Fails if no
  // NUL occurs before the end.
  bool ReadCString(std::string_view* value);
  // The next `count` bytes, not copied.
  bool ReadBytes(size_t count, std::span<const uint8_t>* value);
  // The next `count` bytes without consuming them.
  bool Peek(size_t count, std::span<const uint8_t>* value) const;

 private:
  std::span<const uint8_t> bytes_;
  size_t offset_ = 0;
};

}  // namespace devmongod::wire
