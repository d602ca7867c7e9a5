#include "devmongod/server/timer_queue.h"

#include <gtest/gtest.h>

namespace devmongod::server {
namespace {

TEST(TimerQueueTest, PopsExpiredInDeadlineOrder) {
  TimerQueue q;
  q.Add(300, 3);
  q.Add(100, 1);
  q.Add(200, 2);
  EXPECT_EQ(q.NextDeadline(), 100);
  EXPECT_EQ(q.PopExpired(250), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(q.NextDeadline(), 300);
  EXPECT_TRUE(q.PopExpired(299).empty());
}

TEST(TimerQueueTest, RemovedEntriesNeverFire) {
  TimerQueue q;
  q.Add(100, 1);
  q.Add(100, 2);
  q.Remove(100, 1);
  EXPECT_EQ(q.PopExpired(1000), (std::vector<uint64_t>{2}));
  EXPECT_EQ(q.size(), 0u);
  EXPECT_FALSE(q.NextDeadline().has_value());
}

}  // namespace
}  // namespace devmongod::server
