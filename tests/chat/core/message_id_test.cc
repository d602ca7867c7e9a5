#include "chat/core/message_id.h"

#include <gtest/gtest.h>

#include <string>

namespace chat {
namespace {

std::string Hex(const bson_oid_t& oid) {
  char hex[25];
  bson_oid_to_string(&oid, hex);
  return hex;
}

bson_oid_t Oid(const char* hex) {
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, hex);
  return oid;
}

constexpr int64_t kNowUs = 1795887161123456;  // 2026-11-28T15:12:41.123456Z

TEST(MessageId, KeepsTheStandardSecondsPrefixThenMillisAndMicros) {
  bson_oid_t oid = ComposeMessageId(OrderKeyAt(kNowUs), 0xA1B2C3D4);
  EXPECT_EQ(bson_oid_get_time_t(&oid), kNowUs / 1000000);
  EXPECT_EQ(Hex(oid).substr(8, 4), "007b");   // 123 ms
  EXPECT_EQ(Hex(oid).substr(12, 4), "01c8");  // 456 µs
  EXPECT_EQ(Hex(oid).substr(16), "a1b2c3d4");
}

TEST(MessageId, TheKeyIsTheFirstEightBytes) {
  const uint64_t key = OrderKeyAt(kNowUs);
  EXPECT_EQ(OrderKeyOf(ComposeMessageId(key, 0xFFFFFFFF)), key);
  EXPECT_EQ(OrderKeyMs(key), kNowUs / 1000);
}

TEST(MessageId, LaterMicrosecondsSortAfterWhateverTheRandomBytes) {
  bson_oid_t early = ComposeMessageId(OrderKeyAt(kNowUs), 0xFFFFFFFF);
  bson_oid_t late = ComposeMessageId(OrderKeyAt(kNowUs + 1), 0);
  EXPECT_LT(bson_oid_compare(&early, &late), 0);
}

TEST(MessageId, UsesTheClockWhenItIsAheadOfTheNewestStoredId) {
  bson_oid_t older = ComposeMessageId(OrderKeyAt(kNowUs - 5000), 7);
  EXPECT_EQ(NextOrderKey(kNowUs, older), OrderKeyAt(kNowUs));
  EXPECT_EQ(NextOrderKey(kNowUs, std::nullopt), OrderKeyAt(kNowUs));
}

TEST(MessageId, SortsAfterTheNewestStoredIdWhenTheClockIsNotAhead) {
  // Same microsecond (a fast machine), or another host whose clock is ahead:
  // the new id still sorts after what is stored.
  for (int64_t ahead_us : {0, 1, 999, 10 * 1000 * 1000}) {
    bson_oid_t newest = ComposeMessageId(OrderKeyAt(kNowUs + ahead_us), 0xFFFFFFFF);
    bson_oid_t next = ComposeMessageId(NextOrderKey(kNowUs, newest), 0);
    EXPECT_LT(bson_oid_compare(&newest, &next), 0) << ahead_us;
    EXPECT_EQ(OrderKeyOf(next), OrderKeyOf(newest) + 1) << ahead_us;
  }
}

TEST(MessageId, AChainOfPostsInOneMicrosecondStaysInOrder) {
  std::optional<bson_oid_t> newest;
  for (int i = 0; i < 1000; ++i) {
    bson_oid_t next = ComposeMessageId(NextOrderKey(kNowUs, newest), 0xFFFFFFFFu - i);
    if (newest) {
      EXPECT_LT(bson_oid_compare(&*newest, &next), 0) << i;
    }
    newest = next;
  }
}

TEST(MessageId, SortsAfterIdsOfTheEarlierLayoutAndOfOtherTools) {
  // seconds|ms|3 process bytes|3 counter bytes, and a driver's ObjectId
  // (seconds|5 random|counter) with its largest possible tail.
  for (const char* hex : {"6b0b0097007bffffffffffff", "6b0b0097ffffffffffffffff"}) {
    bson_oid_t stored = Oid(hex);
    bson_oid_t next = ComposeMessageId(NextOrderKey(kNowUs, stored), 0);
    EXPECT_LT(bson_oid_compare(&stored, &next), 0) << hex;
  }
}

TEST(MessageId, CreatedAtNeverGoesBackAsKeysGrow) {
  // Keys pushed past 999 ms by +1 steps still map to non-decreasing times.
  uint64_t key = (uint64_t{0x6b0b0097} << 32) | (uint64_t{999} << 16) | 0xFFFE;
  int64_t previous = OrderKeyMs(key);
  for (int i = 0; i < 4; ++i) {
    ++key;
    EXPECT_GE(OrderKeyMs(key), previous);
    previous = OrderKeyMs(key);
  }
}

}  // namespace
}  // namespace chat
