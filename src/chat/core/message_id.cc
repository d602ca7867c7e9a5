#include "chat/core/message_id.h"

#include <algorithm>

namespace chat {

uint64_t OrderKeyAt(int64_t unix_us) {
  const uint64_t us = unix_us < 0 ? 0 : static_cast<uint64_t>(unix_us);
  const uint64_t seconds = us / 1000000;
  const uint64_t millis = us / 1000 % 1000;
  const uint64_t micros = us % 1000;
  return (seconds & 0xFFFFFFFFu) << 32 | millis << 16 | micros;
}

uint64_t OrderKeyOf(const bson_oid_t& id) {
  uint64_t key = 0;
  for (int i = 0; i < 8; ++i) key = key << 8 | id.bytes[i];
  return key;
}

uint64_t NextOrderKey(int64_t now_unix_us, const std::optional<bson_oid_t>& newest_stored) {
  const uint64_t now = OrderKeyAt(now_unix_us);
  if (!newest_stored) return now;
  // An id of the earlier layout (or of another tool) has arbitrary bytes
  // after its milliseconds; read as a number it still orders correctly, and
  // one more sorts right after it.
  return std::max(now, OrderKeyOf(*newest_stored) + 1);
}

int64_t OrderKeyMs(uint64_t key) {
  // The milliseconds field can exceed 999 only when keys were pushed past a
  // full second by +1 steps; counting it as is keeps the result monotonic.
  return static_cast<int64_t>(key >> 32) * 1000 + static_cast<int64_t>(key >> 16 & 0xFFFF);
}

bson_oid_t ComposeMessageId(uint64_t key, uint32_t random) {
  bson_oid_t oid;
  for (int i = 7; i >= 0; --i, key >>= 8) oid.bytes[i] = static_cast<uint8_t>(key);
  for (int i = 11; i >= 8; --i, random >>= 8) oid.bytes[i] = static_cast<uint8_t>(random);
  return oid;
}

}  // namespace chat
