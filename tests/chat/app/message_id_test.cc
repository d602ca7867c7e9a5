#include "chat/app/message_id.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

namespace chat::app {
namespace {

std::string Hex(const bson_oid_t& oid) {
  char hex[25];
  bson_oid_to_string(&oid, hex);
  return hex;
}

TEST(MessageId, KeepsTheStandardSecondsPrefix) {
  const int64_t now_ms = 1795887161123;  // 2026-11-28T15:12:41.123Z
  bson_oid_t oid = ComposeMessageId(now_ms, 0xABCDEF, 7);
  EXPECT_EQ(bson_oid_get_time_t(&oid), now_ms / 1000);
  EXPECT_EQ(Hex(oid).substr(8, 4), "007b");  // 123 ms
  EXPECT_EQ(Hex(oid).substr(12), "abcdef000007");
}

TEST(MessageId, OrdersByMillisecondAcrossProcesses) {
  // A later millisecond sorts after, whatever the process bytes.
  bson_oid_t early = ComposeMessageId(1795887161123, 0xFFFFFF, 0xFFFFFF);
  bson_oid_t late = ComposeMessageId(1795887161124, 0x000000, 0);
  EXPECT_LT(bson_oid_compare(&early, &late), 0);
}

TEST(MessageId, StrictlyIncreasingWithinAProcessEvenInOneMillisecond) {
  MessageIdGenerator ids(0x123456, 0x10);
  bson_oid_t previous = ids.Next(1000);
  for (int i = 0; i < 100; ++i) {
    bson_oid_t next = ids.Next(1000 + i / 10);
    EXPECT_LT(bson_oid_compare(&previous, &next), 0) << i;
    previous = next;
  }
}

TEST(MessageId, GeneratorsDrawDifferentProcessBytes) {
  MessageIdGenerator a;
  MessageIdGenerator b;
  bson_oid_t x = a.Next(5000);
  bson_oid_t y = b.Next(5000);
  EXPECT_NE(Hex(x).substr(12, 6), Hex(y).substr(12, 6));
}

}  // namespace
}  // namespace chat::app
