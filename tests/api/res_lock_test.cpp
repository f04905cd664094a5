// SPDX-License-Identifier: Apache-2.0
// bpf_res_spin_lock under contention, on every engine. Threads run `ab` and
// `ba` (tests/api/progs/res_lock_abba.bpf.c), which take the same two locks
// in opposite orders: every run completes, a run caught in the ABBA cycle
// gets -EDEADLK (or, if a holder stalls, -ETIMEDOUT) and gives its first
// lock back, and the counts bumped under both locks equal the runs that
// took both. `aa` takes one lock twice through two lookups.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#include "api_test_util.hpp"

namespace decade {
namespace {

using test::as_bytes;
using test::obj;

class ResLock : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto o = BpfObject::open(obj("api/progs/res_lock_abba.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
    auto s = obj_->load({.engine = GetParam()});
    ASSERT_TRUE(s) << s.error().to_string();
  }
  // pair[key].count (the value is {lock, pad, count}).
  uint64_t count(uint32_t key) {
    uint8_t v[16] = {};
    EXPECT_TRUE(obj_->map("pair")->lookup(as_bytes(key), v));
    uint64_t c = 0;
    std::memcpy(&c, v + 8, 8);
    return c;
  }
  std::optional<BpfObject> obj_;
};

struct Tally {
  uint64_t ok = 0, deadlock = 0, timeout = 0, other = 0, failed = 0;
};

TEST_P(ResLock, AbbaRunsCompleteOneSideGetsEdeadlkCountsStayExact) {
  auto ab = obj_->program("ab"), ba = obj_->program("ba");
  ASSERT_TRUE(ab && ba);
  constexpr uint32_t kThreads = 4, kMinRuns = 2000;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::atomic<uint64_t> deadlocks{0};
  std::vector<Tally> tally(kThreads);
  std::vector<std::thread> pool;
  for (uint32_t t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      const BpfProgram& p = t % 2 ? *ba : *ab;
      // Run until a deadlock was seen (bounded), at least kMinRuns times.
      for (uint32_t n = 0; n < kMinRuns || (deadlocks.load() == 0 && std::chrono::steady_clock::now() < give_up); ++n) {
        auto r = p.test_run({});
        Tally& y = tally[t];
        if (!r) ++y.failed;
        else if (r->retval == 0) ++y.ok;
        else if (r->retval == EDEADLK) ++y.deadlock, deadlocks.fetch_add(1);
        else if (r->retval == ETIMEDOUT || r->retval == 200 + ETIMEDOUT) ++y.timeout;
        else ++y.other;
      }
    });
  }
  for (auto& th : pool) th.join();
  Tally sum;
  for (const Tally& y : tally) {
    sum.ok += y.ok;
    sum.deadlock += y.deadlock;
    sum.timeout += y.timeout;
    sum.other += y.other;
    sum.failed += y.failed;
  }
  EXPECT_EQ(sum.failed, 0u);
  EXPECT_EQ(sum.other, 0u);
  EXPECT_GT(sum.deadlock, 0u);
  EXPECT_GT(sum.ok, 0u);
  EXPECT_EQ(count(0), sum.ok);
  EXPECT_EQ(count(1), sum.ok);
  ::testing::Test::RecordProperty("ok", std::to_string(sum.ok));
  ::testing::Test::RecordProperty("deadlock", std::to_string(sum.deadlock));
  ::testing::Test::RecordProperty("timeout", std::to_string(sum.timeout));
}

TEST_P(ResLock, AaReturnsEdeadlkAndReleasesTheFirstLock) {
  auto aa = obj_->program("aa"), ab = obj_->program("ab");
  ASSERT_TRUE(aa && ab);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = aa->test_run({});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, uint64_t{EDEADLK});
  // Found before waiting, not by the timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(100));
  auto both = ab->test_run({});
  ASSERT_TRUE(both) << both.error().to_string();
  EXPECT_EQ(both->retval, 0u);
  EXPECT_EQ(count(0), 1u);
  EXPECT_EQ(count(1), 1u);
}

INSTANTIATE_TEST_SUITE_P(Api, ResLock, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
