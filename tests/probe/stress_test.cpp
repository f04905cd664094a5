// SPDX-License-Identifier: Apache-2.0
// Attach and detach while other threads run the probed function: no crash,
// every result right, and every call made while the probe was certainly
// attached counted exactly once.
//
// Counting: a generation counter moves 1 (attaching), 2 (attached), 3
// (detaching), 0 (detached) mod 4. A caller reads it before and after each
// call; the same value both times means the call ran wholly inside that
// phase. Calls wholly in phase 2 must all be counted, calls wholly in phase
// 0 never; the rest may or may not be. So the program's counter H must lie
// in [certain, certain + unsure].
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "targets.hpp"

namespace decade {
namespace {

constexpr int kCallers = 8;
constexpr int kCycles = 1000;

struct Tally {
  uint64_t certain = 0, unsure = 0, wrong = 0;
};

void call_loop(const std::atomic<uint64_t>& gen, const std::atomic<bool>& stop, Tally& t, long seed) {
  for (long i = seed; !stop.load(std::memory_order_relaxed); ++i) {
    const uint64_t g1 = gen.load(std::memory_order_seq_cst);
    const long r = t_work(i);
    const uint64_t g2 = gen.load(std::memory_order_seq_cst);
    if (r != 3 * i + 1) ++t.wrong;
    // Let the attacher and the other callers onto the CPUs now and then: on
    // a machine with fewer CPUs than callers, parking every caller for an
    // attach otherwise waits for whole scheduler slices.
    if (i % 64 == 0) std::this_thread::yield();
    if (g1 != g2 || g1 % 4 == 1 || g1 % 4 == 3) {
      ++t.unsure;
    } else if (g1 % 4 == 2) {
      ++t.certain;
    }
  }
}

class ProbeStress : public ::testing::TestWithParam<std::string> {};

TEST_P(ProbeStress, EightCallersWhileAThreadAttachesAndDetachesAThousandTimes) {
  auto o = test::load_probes(GetParam());
  ASSERT_TRUE(o) << o.error().to_string();
  auto prog = o->program("count_only");
  ASSERT_TRUE(prog);
  std::atomic<uint64_t> gen{0};
  std::atomic<bool> stop{false};
  std::vector<Tally> tallies(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i)
    callers.emplace_back(call_loop, std::cref(gen), std::cref(stop), std::ref(tallies[size_t(i)]), long(i) << 32);
  int failures = 0;
  std::thread attacher([&] {
    for (int c = 0; c < kCycles; ++c) {
      gen.fetch_add(1);
      auto link = prog->attach_uprobe({.function = "t_work"});
      gen.fetch_add(1);
      if (!link) ++failures;
      std::this_thread::sleep_for(std::chrono::microseconds(50));  // calls made now must all count
      gen.fetch_add(1);
      if (link && !link->detach()) ++failures;
      gen.fetch_add(1);
    }
  });
  attacher.join();
  stop = true;
  for (auto& t : callers) t.join();
  Tally sum;
  for (const Tally& t : tallies) {
    sum.certain += t.certain;
    sum.unsure += t.unsure;
    sum.wrong += t.wrong;
  }
  const uint64_t counted = test::u64_at(*o, "hits", 0);
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(sum.wrong, 0u);
  EXPECT_GT(sum.certain, 0u);
  EXPECT_GE(counted, sum.certain);
  EXPECT_LE(counted, sum.certain + sum.unsure);
  std::printf("certain %llu unsure %llu counted %llu\n", (unsigned long long)sum.certain,
              (unsigned long long)sum.unsure, (unsigned long long)counted);
}

INSTANTIATE_TEST_SUITE_P(Engines, ProbeStress, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
