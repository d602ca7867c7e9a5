// CRC-32C (Castagnoli), as used by OP_MSG checksums and by devmongod's
// journal records. No Debian 12 package ships it as a library.
#pragma once

#include <cstddef>
#include <cstdint>

namespace common {

// Extends `crc` (0 to start) over `len` bytes.
uint32_t Crc32c(const void* data, size_t len, uint32_t crc = 0);

}  // namespace common
