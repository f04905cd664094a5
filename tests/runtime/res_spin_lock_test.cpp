// SPDX-License-Identifier: Apache-2.0
// The resilient spin lock's runtime (runtime/res_spin_lock.hpp), driven
// from host threads inside runs (RunScope) so each waiter's moment is
// chosen: AA and ABBA are found without waiting for the timeout, a lock
// held past the timeout is -ETIMEDOUT, a run's leftover locks are released
// when it ends, and more locks than the per-CPU table records still work.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <barrier>
#include <cerrno>
#include <chrono>
#include <thread>

#include "runtime/cpu.hpp"
#include "runtime/res_spin_lock.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t addr(uint32_t& word) { return reinterpret_cast<uint64_t>(&word); }

TEST(ResSpinLock, AaIsEdeadlkWithoutWaiting) {
  uint32_t a = 0;
  RunContext rc;
  RunScope scope(rc);
  ASSERT_EQ(res_lock_acquire(addr(a)), 0);
  const auto t0 = Clock::now();
  EXPECT_EQ(res_lock_acquire(addr(a)), -EDEADLK);
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(50));
  EXPECT_EQ(rc.held.size(), 1u);
  EXPECT_TRUE(res_lock_release(addr(a)));
  EXPECT_EQ(a, 0u);
  EXPECT_FALSE(res_lock_release(addr(a)));  // no longer held
}

// Two runs hold one lock each, then each asks for the other's: at least
// one sees the cycle, long before the timeout, and backs off; the other
// then gets its lock.
TEST(ResSpinLock, AbbaIsEdeadlkForAtLeastOneSide) {
  ASSERT_GE(possible_cpus(), 2u);
  uint32_t a = 0, b = 0;
  std::barrier both(2);
  std::array<int64_t, 2> second{};
  auto run = [&](int side, uint32_t& first, uint32_t& other) {
    RunContext rc;
    RunScope scope(rc);
    EXPECT_EQ(res_lock_acquire(addr(first)), 0);
    both.arrive_and_wait();
    second[side] = res_lock_acquire(addr(other));
    // Back off as a verified program must: release what is held, newest first.
    if (second[side] == 0) {
      EXPECT_TRUE(res_lock_release(addr(other)));
    }
    EXPECT_TRUE(res_lock_release(addr(first)));
  };
  const auto t0 = Clock::now();
  std::thread t1(run, 0, std::ref(a), std::ref(b)), t2(run, 1, std::ref(b), std::ref(a));
  t1.join();
  t2.join();
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(kResLockTimeoutMs));
  EXPECT_TRUE(second[0] == -EDEADLK || second[1] == -EDEADLK) << second[0] << " " << second[1];
  for (int64_t r : second) EXPECT_TRUE(r == 0 || r == -EDEADLK) << r;
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 0u);
}

// Three runs in a ring (A->B->C->A): a cycle of three, needing three CPU slots.
TEST(ResSpinLock, ThreeRunCycleIsEdeadlk) {
  if (possible_cpus() < 3) GTEST_SKIP() << "needs 3 CPU slots, the host has " << possible_cpus();
  std::array<uint32_t, 3> w{};
  std::barrier all(3);
  std::array<int64_t, 3> second{};
  auto run = [&](int i) {
    RunContext rc;
    RunScope scope(rc);
    EXPECT_EQ(res_lock_acquire(addr(w[i])), 0);
    all.arrive_and_wait();
    second[i] = res_lock_acquire(addr(w[(i + 1) % 3]));
    if (second[i] == 0) res_lock_release(addr(w[(i + 1) % 3]));
    res_lock_release(addr(w[i]));
  };
  const auto t0 = Clock::now();
  std::thread t0t(run, 0), t1(run, 1), t2(run, 2);
  t0t.join();
  t1.join();
  t2.join();
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(kResLockTimeoutMs));
  EXPECT_TRUE(second[0] == -EDEADLK || second[1] == -EDEADLK || second[2] == -EDEADLK);
}

// A holder that is not waiting for anything: no cycle, so the waiter gives
// up after the timeout.
TEST(ResSpinLock, HeldPastTheTimeoutIsEtimedout) {
  ASSERT_GE(possible_cpus(), 2u);
  uint32_t a = 0;
  std::atomic<bool> taken{false}, done{false};
  std::thread holder([&] {
    RunContext rc;
    RunScope scope(rc);
    EXPECT_EQ(res_lock_acquire(addr(a)), 0);
    taken = true;
    while (!done) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    res_lock_release(addr(a));
  });
  while (!taken) std::this_thread::yield();
  {
    RunContext rc;
    RunScope scope(rc);
    const auto t0 = Clock::now();
    EXPECT_EQ(res_lock_acquire(addr(a)), -ETIMEDOUT);
    EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(kResLockTimeoutMs));
    EXPECT_EQ(rc.held.size(), 0u);
  }
  done = true;
  holder.join();
  EXPECT_EQ(a, 0u);
}

// Unwinding (release_run_resources, which engines call when a run ends
// early: a fault, a cancel) gives back the locks the run still holds with
// everything else it holds, newest first; the slot's table forgets them.
TEST(ResSpinLock, UnwindingReleasesLeftoverLocks) {
  uint32_t a = 0, b = 0, word = 0;
  {
    RunContext rc;
    RunScope scope(rc);
    ASSERT_EQ(res_lock_acquire(addr(a)), 0);
    ASSERT_TRUE(rc.held.hold(HeldResources::Kind::Iterator, addr(word), [](uint64_t w) {
      *reinterpret_cast<uint32_t*>(w) = 7;
    }));
    ASSERT_EQ(res_lock_acquire(addr(b)), 0);
    EXPECT_EQ(release_run_resources(rc), 3u);
  }
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 0u);
  EXPECT_EQ(word, 7u);
  RunContext rc;
  RunScope scope(rc);
  EXPECT_EQ(res_lock_acquire(addr(a)), 0);  // not an AA against a stale table entry
  EXPECT_FALSE(res_lock_release(addr(b)));  // held by nobody
  EXPECT_EQ(release_run_resources(rc), 1u);
  EXPECT_EQ(a, 0u);
}

// More than the table's kResLockHeldMax: the extra locks are taken (as in
// the kernel, which does not fail them), and AA on them is still found
// through the run's own list.
TEST(ResSpinLock, MoreLocksThanTheTableRecords) {
  std::array<uint32_t, kResLockHeldMax + 9> w{};
  RunContext rc;
  RunScope scope(rc);
  for (uint32_t& x : w) ASSERT_EQ(res_lock_acquire(addr(x)), 0);
  EXPECT_EQ(res_lock_acquire(addr(w.back())), -EDEADLK);
  EXPECT_EQ(res_lock_acquire(addr(w.front())), -EDEADLK);
  for (size_t i = w.size(); i-- > 0;) EXPECT_TRUE(res_lock_release(addr(w[i])));
  for (uint32_t x : w) EXPECT_EQ(x, 0u);
}

TEST(ResSpinLock, OutsideARunIsEinval) {
  uint32_t a = 0;
  EXPECT_EQ(res_lock_acquire(addr(a)), -EINVAL);
  EXPECT_EQ(a, 0u);
}

}  // namespace
}  // namespace decade
