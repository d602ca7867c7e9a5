#include "common/cpu_policy.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

namespace common {
namespace {

TEST(CpuPolicy, ParsesItsTwoNamesAndNamesTheRuleOtherwise) {
  EXPECT_EQ(common::ParseCpuPolicy("batch"), common::CpuPolicy::kBatch);
  EXPECT_EQ(common::ParseCpuPolicy("normal"), common::CpuPolicy::kNormal);
  for (const char* bad : {"", "BATCH", "fifo", "batch ", "idle"}) {
    auto parsed = common::ParseCpuPolicy(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error(), "expected batch or normal");
  }
  EXPECT_EQ(common::CpuPolicyName(common::CpuPolicy::kBatch), "batch");
  EXPECT_EQ(common::CpuPolicyName(common::CpuPolicy::kNormal), "normal");
}

// In a thread of its own: the policy is per thread, so the test runner's
// main thread keeps the one it was started with.
TEST(CpuPolicy, AppliesToTheCallingThreadAndCanBeUndone) {
  int as_batch = -1;
  int as_normal = -1;
  std::thread([&] {
    if (common::ApplyCpuPolicy(common::CpuPolicy::kBatch)) as_batch = sched_getscheduler(0);
    if (common::ApplyCpuPolicy(common::CpuPolicy::kNormal)) as_normal = sched_getscheduler(0);
  }).join();
  EXPECT_EQ(as_batch, SCHED_BATCH);
  EXPECT_EQ(as_normal, SCHED_OTHER);
}

}  // namespace
}  // namespace common
