// Little-endian integer loads and stores for wire-format framing.
//
// Assembled byte by byte so the code is correct on any host and never makes
// an unaligned access. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace devmongod::wire {

inline uint32_t LoadLeU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

inline int32_t LoadLeI32(const uint8_t* p) { return static_cast<int32_t>(LoadLeU32(p)); }

inline void AppendLeU32(uint32_t value, std::string* out) {
  for (int shift = 0; shift < 32; shift += 8) out->push_back(static_cast<char>(value >> shift));
}

inline void AppendLeI32(int32_t value, std::string* out) {
  AppendLeU32(static_cast<uint32_t>(value), out);
}

inline void AppendLeI64(int64_t value, std::string* out) {
  const auto bits = static_cast<uint64_t>(value);
  AppendLeU32(static_cast<uint32_t>(bits), out);
  AppendLeU32(static_cast<uint32_t>(bits >> 32), out);
}

}  // namespace devmongod::wire
