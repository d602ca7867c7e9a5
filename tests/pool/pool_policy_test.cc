#include "pool/pool_policy.h"

#include <gtest/gtest.h>

namespace pool {
namespace {

PolicyLimits Limits(int min_idle, int max_workers) {
  PolicyLimits limits;
  limits.min_idle = min_idle;
  limits.max_workers = max_workers;
  limits.idle_timeout_ms = 10000;
  limits.crash_window_ms = 1000;
  limits.backoff_initial_ms = 100;
  limits.backoff_max_ms = 3000;
  return limits;
}

TEST(PoolPolicy, StartsMinIdleWorkers) {
  PoolPolicy policy(Limits(3, 10));
  EXPECT_EQ(policy.Decide(0).spawn, 3);
}

TEST(PoolPolicy, SpawnsAsWorkersBecomeBusyUpToMax) {
  PoolPolicy policy(Limits(2, 4));
  policy.OnSpawned(1, 0);
  policy.OnSpawned(2, 0);
  EXPECT_EQ(policy.Decide(0).spawn, 0);
  policy.OnBusy(1, 1);
  policy.OnBusy(2, 1);
  EXPECT_EQ(policy.Decide(1).spawn, 2);
  policy.OnSpawned(3, 1);
  policy.OnSpawned(4, 1);
  policy.OnBusy(3, 2);
  policy.OnBusy(4, 2);
  EXPECT_EQ(policy.Decide(2).spawn, 0) << "never more than max_workers";
  EXPECT_EQ(policy.counts().busy, 4);
}

TEST(PoolPolicy, ReplacesExitedWorkersAtOnce) {
  PoolPolicy policy(Limits(1, 4));
  policy.OnSpawned(1, 0);
  policy.OnBusy(1, 0);
  policy.OnSpawned(2, 0);
  EXPECT_FALSE(policy.OnExited(1, true, 5000));
  EXPECT_EQ(policy.Decide(5000).spawn, 0);  // worker 2 is still idle
  policy.OnBusy(2, 5000);
  EXPECT_FALSE(policy.OnExited(2, true, 5001));
  EXPECT_EQ(policy.Decide(5001).spawn, 1);
}

TEST(PoolPolicy, RetiresIdleExtrasAfterTimeoutOldestFirst) {
  PoolPolicy policy(Limits(1, 8));
  for (pid_t pid = 1; pid <= 3; ++pid) {
    policy.OnSpawned(pid, 0);
    policy.OnBusy(pid, 0);
  }
  policy.OnIdle(2, 1000);
  policy.OnIdle(1, 2000);
  policy.OnIdle(3, 3000);
  Decision early = policy.Decide(5000);
  EXPECT_TRUE(early.retire.empty());
  EXPECT_EQ(early.next_check_ms, 11000);
  Decision later = policy.Decide(12500);
  ASSERT_EQ(later.retire.size(), 2u);
  EXPECT_EQ(later.retire[0], 2);
  EXPECT_EQ(later.retire[1], 1);
  EXPECT_EQ(policy.counts().idle, 1);
}

TEST(PoolPolicy, CrashLoopBacksOffExponentiallyOneProbeAtATime) {
  PoolPolicy policy(Limits(4, 8));
  int64_t now = 0;
  EXPECT_EQ(policy.Decide(now).spawn, 4);
  for (pid_t pid = 1; pid <= 4; ++pid) policy.OnSpawned(pid, now);
  for (pid_t pid = 1; pid <= 4; ++pid) EXPECT_TRUE(policy.OnExited(pid, false, now + 10));
  EXPECT_EQ(policy.consecutive_crashes(), 4);
  EXPECT_EQ(policy.backoff_ms(), 800);
  Decision waiting = policy.Decide(now + 20);
  EXPECT_EQ(waiting.spawn, 0);
  EXPECT_EQ(waiting.next_check_ms, now + 10 + 800);
  Decision probe = policy.Decide(now + 900);
  EXPECT_EQ(probe.spawn, 1) << "one probe, not a storm";
  policy.OnSpawned(9, now + 900);
  EXPECT_EQ(policy.Decide(now + 901).spawn, 0) << "no second probe while one is starting";
  EXPECT_TRUE(policy.OnExited(9, false, now + 950));
  EXPECT_EQ(policy.backoff_ms(), 1600);
  // The back-off is capped.
  for (pid_t pid = 10; pid < 20; ++pid) {
    policy.OnSpawned(pid, now);
    policy.OnExited(pid, false, now + 1);
  }
  EXPECT_EQ(policy.backoff_ms(), 3000);
}

TEST(PoolPolicy, ServingARequestEndsTheCrashLoop) {
  PoolPolicy policy(Limits(1, 2));
  policy.OnSpawned(1, 0);
  EXPECT_TRUE(policy.OnExited(1, false, 5));
  policy.OnSpawned(2, 200);
  policy.OnBusy(2, 200);
  EXPECT_EQ(policy.consecutive_crashes(), 0);
  EXPECT_FALSE(policy.OnExited(2, false, 210)) << "died after serving: not a start-up crash";
}

TEST(PoolPolicy, CleanExitAfterTheWindowIsNotACrash) {
  PoolPolicy policy(Limits(1, 2));
  policy.OnSpawned(1, 0);
  EXPECT_FALSE(policy.OnExited(1, true, 5000));
}

TEST(PoolPolicy, RetireAllReplacesEveryWorker) {
  PoolPolicy policy(Limits(2, 4));
  policy.OnSpawned(1, 0);
  policy.OnSpawned(2, 0);
  policy.OnBusy(2, 0);
  auto retired = policy.RetireAll();
  EXPECT_EQ(retired.size(), 2u);
  EXPECT_EQ(policy.Decide(10).spawn, 2) << "fresh workers while the old ones finish";
  EXPECT_FALSE(policy.OnExited(2, true, 20));
}

TEST(PoolPolicy, TheReserveFollowsDemandThenFallsBackToMinIdle) {
  PoolPolicy policy(Limits(2, 100));
  pid_t next = 1;
  auto spawn = [&](int count, int64_t now) {
    for (int i = 0; i < count; ++i) policy.OnSpawned(next++, now);
  };
  spawn(policy.Decide(0).spawn, 0);
  // A rush: every idle worker takes a request at once, round after round.
  int64_t now = 100;
  pid_t first_idle = 1;
  for (int round = 0; round < 4; ++round, now += 10) {
    for (pid_t pid = first_idle; pid < next; ++pid) policy.OnBusy(pid, now);
    first_idle = next;
    spawn(policy.Decide(now).spawn, now);
  }
  // 2 + 2 + 4 + 8 + 16 workers: the reserve doubled each round instead of
  // staying at min_idle (2 per round).
  EXPECT_EQ(policy.counts().total, 32);
  EXPECT_EQ(policy.IdleTarget(now), 16);  // as many as took up requests in the last second
  // A second later the demand is gone; extras retire after the idle timeout.
  EXPECT_EQ(policy.IdleTarget(now + 1000), 2);
  for (pid_t pid = 1; pid < next; ++pid) policy.OnIdle(pid, now + 1000);
  EXPECT_EQ(policy.Decide(now + 1000 + 10000).retire.size(), 30u);
}

}  // namespace
}  // namespace pool
