#include "chat/app/message_id.h"

#include <sys/random.h>

namespace chat::app {

bson_oid_t ComposeMessageId(int64_t now_ms, uint32_t process_bytes, uint32_t counter) {
  const uint64_t seconds = static_cast<uint64_t>(now_ms / 1000);
  const uint32_t millis = static_cast<uint32_t>(now_ms % 1000);
  bson_oid_t oid;
  oid.bytes[0] = static_cast<uint8_t>(seconds >> 24);
  oid.bytes[1] = static_cast<uint8_t>(seconds >> 16);
  oid.bytes[2] = static_cast<uint8_t>(seconds >> 8);
  oid.bytes[3] = static_cast<uint8_t>(seconds);
  oid.bytes[4] = static_cast<uint8_t>(millis >> 8);
  oid.bytes[5] = static_cast<uint8_t>(millis);
  oid.bytes[6] = static_cast<uint8_t>(process_bytes >> 16);
  oid.bytes[7] = static_cast<uint8_t>(process_bytes >> 8);
  oid.bytes[8] = static_cast<uint8_t>(process_bytes);
  oid.bytes[9] = static_cast<uint8_t>(counter >> 16);
  oid.bytes[10] = static_cast<uint8_t>(counter >> 8);
  oid.bytes[11] = static_cast<uint8_t>(counter);
  return oid;
}

MessageIdGenerator::MessageIdGenerator() {
  uint32_t seed[2] = {0, 0};
  // getrandom never fails for so few bytes once the pool is initialised;
  // should it, the zero seed still yields unique ids within this process.
  (void)!getrandom(seed, sizeof seed, 0);
  process_ = seed[0] & 0xFFFFFFu;
  counter_ = seed[1] & 0xFFFFFFu;
}

bson_oid_t MessageIdGenerator::Next(int64_t now_ms) {
  counter_ = (counter_ + 1) & 0xFFFFFFu;
  return ComposeMessageId(now_ms, process_, counter_);
}

}  // namespace chat::app
