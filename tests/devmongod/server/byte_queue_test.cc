#include "devmongod/server/byte_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace devmongod::server {
namespace {

std::string AsString(const ByteQueue& q) {
  auto b = q.bytes();
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST(ByteQueueTest, FifoAcrossConsumesAndAppends) {
  ByteQueue q;
  q.Append("hello ");
  q.Append("world");
  q.Consume(6);
  EXPECT_EQ(AsString(q), "world");
  q.Append("!");
  EXPECT_EQ(AsString(q), "world!");
  q.Consume(6);
  EXPECT_TRUE(q.empty());
}

TEST(ByteQueueTest, ReleasesLargeCapacityWhenDrained) {
  ByteQueue q;
  std::string big(1 << 20, 'x');
  q.Append(big);
  EXPECT_GE(q.capacity(), big.size());
  q.Consume(big.size());
  EXPECT_LE(q.capacity(), ByteQueue::kRetainedCapacity);
}

TEST(ByteQueueTest, PipelinedConsumesDoNotGrowWithoutBound) {
  // Many small messages appended and consumed one by one while a partial
  // one stays behind: the buffer must compact instead of growing.
  ByteQueue q;
  std::string msg(100, 'm');
  q.Append("partial");
  for (int i = 0; i < 100000; ++i) {
    q.Append(msg);
    q.Consume(msg.size());
  }
  EXPECT_EQ(q.size(), 7u);
  EXPECT_LT(q.capacity(), 64u * 1024);
}

}  // namespace
}  // namespace devmongod::server
