// ObjectIds for new messages that sort by creation time to the millisecond.
//
// A standard ObjectId orders by second only; within a second, ids made by
// different worker processes order by their random per-process bytes, so a
// history page sorted by _id would shuffle messages posted in the same
// second. These ids keep the standard 4-byte big-endian seconds (tools that
// read an ObjectId's time still work), then the milliseconds, then 3 random
// bytes fixed per process and a 3-byte counter, so ids of one process are
// strictly increasing and ids of different processes only tie within one
// millisecond.
// Thread-safety: a generator belongs to one thread.
#pragma once

#include <bson/bson.h>

#include <cstdint>

namespace chat::app {

// Pure layout: seconds(4) | milliseconds(2) | process bytes(3) | counter(3).
bson_oid_t ComposeMessageId(int64_t now_ms, uint32_t process_bytes, uint32_t counter);

class MessageIdGenerator {
 public:
  MessageIdGenerator();  // draws the process bytes and the counter's start from the kernel
  MessageIdGenerator(uint32_t process_bytes, uint32_t counter)
      : process_(process_bytes), counter_(counter) {}

  bson_oid_t Next(int64_t now_ms);

 private:
  uint32_t process_;
  uint32_t counter_;
};

}  // namespace chat::app
