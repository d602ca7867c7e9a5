#include "devmongod/wire/byte_reader.h"

#include <cstring>

#include "devmongod/wire/little_endian.h"

namespace devmongod::wire {

bool ByteReader::ReadU8(uint8_t* value) {
  if (remaining() < 1) return false;
  *value = bytes_[offset_++];
  return true;
}

bool ByteReader::ReadU32(uint32_t* value) {
  if (remaining() < 4) return false;
  *value = LoadLeU32(bytes_.data() + offset_);
  offset_ += 4;
  return true;
}

bool ByteReader::ReadI32(int32_t* value) {
  uint32_t bits = 0;
  if (!ReadU32(&bits)) return false;
  *value = static_cast<int32_t>(bits);
  return true;
}

bool ByteReader::ReadCString(std::string_view* value) {
  if (at_end()) return false;  // memchr must not see the null data() of an empty span
  const uint8_t* start = bytes_.data() + offset_;
  const void* nul = std::memchr(start, 0, remaining());
  if (nul == nullptr) return false;
  const auto length = static_cast<size_t>(static_cast<const uint8_t*>(nul) - start);
  *value = std::string_view(reinterpret_cast<const char*>(start), length);
  offset_ += length + 1;
  return true;
}

bool ByteReader::Peek(size_t count, std::span<const uint8_t>* value) const {
  if (remaining() < count) return false;
  *value = bytes_.subspan(offset_, count);
  return true;
}

bool ByteReader::ReadBytes(size_t count, std::span<const uint8_t>* value) {
  if (!Peek(count, value)) return false;
  offset_ += count;
  return true;
}

}  // namespace devmongod::wire
