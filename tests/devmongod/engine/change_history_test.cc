// The change-history ring, cluster clock and retryable-write table on their own.
#include "devmongod/engine/change_history.h"

#include <gtest/gtest.h>

#include "devmongod/engine/cluster_clock.h"
#include "devmongod/engine/retryable_writes.h"

namespace devmongod {
namespace {

ChangeEvent Event(uint64_t seq, Timestamp ts) {
  ChangeEvent event;
  event.seq = seq;
  event.ts = ts;
  event.db = "db";
  event.coll = "c";
  event.doc = common::NewBson();
  return event;
}

TEST(ClusterClockTest, StrictlyIncreasingEvenWhenTheWallClockStepsBack) {
  ClusterClock clock(10'000);
  EXPECT_EQ(clock.Current(), (Timestamp{10, 0}));
  EXPECT_EQ(clock.Next(10'500), (Timestamp{10, 1}));
  EXPECT_EQ(clock.Next(10'900), (Timestamp{10, 2}));
  EXPECT_EQ(clock.Next(12'000), (Timestamp{12, 1}));
  EXPECT_EQ(clock.Next(3'000), (Timestamp{12, 2}));  // clock went backwards
  clock.Observe(Timestamp{20, 7});
  EXPECT_EQ(clock.Next(12'000), (Timestamp{20, 8}));
}

TEST(ChangeHistoryTest, KeepsTheNewestEventsAndKnowsWhatWasLost) {
  ChangeHistory history(3);
  EXPECT_EQ(history.Check(0, Timestamp{}), ChangeHistory::PositionCheck::kOk);
  for (uint64_t seq = 1; seq <= 5; ++seq)
    history.Append(Event(seq, Timestamp{100, static_cast<uint32_t>(seq)}));
  EXPECT_EQ(history.size(), 3u);
  EXPECT_EQ(history.last_seq(), 5u);
  EXPECT_EQ(history.At(2), nullptr);
  ASSERT_NE(history.At(3), nullptr);
  EXPECT_EQ(history.At(3)->seq, 3u);
  // Position 2 (the newest evicted event) can still resume: 3, 4, 5 are kept.
  EXPECT_EQ(history.Check(2, Timestamp{100, 2}), ChangeHistory::PositionCheck::kOk);
  EXPECT_EQ(history.Check(1, Timestamp{100, 1}), ChangeHistory::PositionCheck::kLost);
  EXPECT_EQ(history.Check(0, Timestamp{}), ChangeHistory::PositionCheck::kLost);
  EXPECT_EQ(history.Check(4, Timestamp{100, 9}), ChangeHistory::PositionCheck::kNotFound);
  EXPECT_EQ(history.Check(6, Timestamp{100, 6}), ChangeHistory::PositionCheck::kNotFound);

  uint64_t position = 0;
  ASSERT_TRUE(history.PositionBefore(Timestamp{100, 4}, &position));
  EXPECT_EQ(position, 3u);
  ASSERT_TRUE(history.PositionBefore(Timestamp{200, 0}, &position));
  EXPECT_EQ(position, 5u);
  ASSERT_TRUE(history.PositionBefore(Timestamp{100, 3}, &position));
  EXPECT_EQ(position, 2u);
  EXPECT_FALSE(history.PositionBefore(Timestamp{100, 2}, &position));
}

TEST(RetryableWritesTest, RemembersTheLastTxnPerSessionAndForgetsTheLeastRecent) {
  RetryableWrites table(2);
  table.Remember("a", 1, common::NewBson());
  table.Remember("b", 1, common::NewBson());
  EXPECT_NE(table.Find("a", 1), nullptr);  // "a" is now the most recent
  EXPECT_EQ(table.Find("a", 2), nullptr);
  table.Remember("c", 1, common::NewBson());  // evicts "b"
  EXPECT_EQ(table.Find("b", 1), nullptr);
  EXPECT_NE(table.Find("a", 1), nullptr);
  EXPECT_NE(table.Find("c", 1), nullptr);
  table.Remember("a", 2, common::NewBson());
  EXPECT_EQ(table.Find("a", 1), nullptr);
  EXPECT_NE(table.Find("a", 2), nullptr);
  EXPECT_EQ(table.size(), 2u);
}

}  // namespace
}  // namespace devmongod
