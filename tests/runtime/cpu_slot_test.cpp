// SPDX-License-Identifier: Apache-2.0
// CPU slots behind per-CPU maps and bpf_get_smp_processor_id (issue 11,
// point 10): a slot is never held by two threads at once.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "runtime/cpu.hpp"
#include "runtime/run_context.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

// Far more threads than CPUs, each bumping its slot's counter without atomics
// while it holds the slot: no increment is lost.
TEST(CpuSlot, ExclusiveWithMoreThreadsThanCpus) {
  const uint32_t cpus = possible_cpus(), threads = 8 * cpus + 3, rounds = 20'000;
  std::vector<uint64_t> counters(cpus, 0);
  std::vector<std::thread> pool;
  for (uint32_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (uint32_t i = 0; i < rounds; ++i) {
        CpuSlot slot;
        EXPECT_EQ(slot.cpu(), current_cpu());
        volatile uint64_t* c = &counters[slot.cpu()];
        *c = *c + 1;
      }
    });
  }
  for (auto& th : pool) th.join();
  uint64_t sum = 0;
  for (uint64_t c : counters) sum += c;
  EXPECT_EQ(sum, uint64_t{threads} * rounds);
}

// A thread that takes slots again and again with nobody waiting keeps its
// slot between runs (biased, cpu.cpp) and enters it with plain stores.
// Threads that need it meanwhile take it away (revoke). Here every CPU has
// a "steady" thread taking slots in a tight loop (so each gets biased)
// while intruders keep arriving: every slot stays exclusive, no increment
// made without atomics under a slot is lost, and nobody waits forever.
TEST(CpuSlot, BiasedSlotsStayExclusiveWhenTakenAway) {
  const uint32_t cpus = possible_cpus(), intruders = 2, visits = 100, bursts = 50;
  std::vector<uint64_t> counters(cpus, 0);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> takes{0};
  auto bump = [&] {
    CpuSlot slot;
    volatile uint64_t* c = &counters[slot.cpu()];
    *c = *c + 1;
  };
  std::vector<std::thread> steady, intruding;
  for (uint32_t t = 0; t < cpus; ++t)
    steady.emplace_back([&] {
      uint64_t n = 0;
      for (; !stop.load(std::memory_order_relaxed); ++n) bump();
      takes.fetch_add(n);
    });
  for (uint32_t t = 0; t < intruders; ++t)
    intruding.emplace_back([&] {
      for (uint32_t b = 0; b < bursts; ++b) {
        for (uint32_t i = 0; i < visits; ++i) bump();
        std::this_thread::sleep_for(std::chrono::microseconds(300));
      }
      takes.fetch_add(uint64_t{bursts} * visits);
    });
  for (auto& th : intruding) th.join();
  stop.store(true);
  for (auto& th : steady) th.join();
  uint64_t sum = 0;
  for (uint64_t c : counters) sum += c;
  EXPECT_EQ(sum, takes.load());
}

// A slot biased to a thread between its runs is taken away when every
// slot is needed at once.
TEST(CpuSlot, AnIdleBiasedSlotIsTakenAwayWhenAllAreNeeded) {
  const uint32_t cpus = possible_cpus();
  for (int i = 0; i < 1000; ++i) CpuSlot slot;  // this thread's slot is biased to it now
  std::atomic<uint32_t> holding{0};
  std::vector<std::thread> pool;
  std::vector<uint32_t> seen(cpus, 0);
  for (uint32_t t = 0; t < cpus; ++t)
    pool.emplace_back([&, t] {
      CpuSlot slot;
      seen[t] = slot.cpu();
      holding.fetch_add(1);
      while (holding.load() < cpus) std::this_thread::yield();  // all held at once
    });
  for (auto& th : pool) th.join();
  std::sort(seen.begin(), seen.end());
  for (uint32_t c = 0; c < cpus; ++c) EXPECT_EQ(seen[c], c);
  CpuSlot again;  // and this thread gets one again
  EXPECT_LT(again.cpu(), cpus);
}

// A thread that ends while its slot is biased to it gives the slot back:
// afterwards every slot can be held at once.
TEST(CpuSlot, ABiasedSlotIsGivenBackWhenItsThreadEnds) {
  const uint32_t cpus = possible_cpus();
  for (uint32_t t = 0; t < cpus; ++t)
    std::thread([] {
      for (int i = 0; i < 1000; ++i) CpuSlot slot;
    }).join();
  std::atomic<uint32_t> holding{0};
  std::vector<std::thread> pool;
  std::vector<uint32_t> seen(cpus, 0);
  for (uint32_t t = 0; t < cpus; ++t)
    pool.emplace_back([&, t] {
      CpuSlot slot;
      seen[t] = slot.cpu();
      holding.fetch_add(1);
      while (holding.load() < cpus) std::this_thread::yield();  // all held at once
    });
  for (auto& th : pool) th.join();
  std::sort(seen.begin(), seen.end());
  for (uint32_t c = 0; c < cpus; ++c) EXPECT_EQ(seen[c], c);
}

TEST(CpuSlot, NestedScopesKeepTheOuterSlot) {
  CpuSlot outer;
  const uint32_t cpu = outer.cpu();
  {
    CpuSlot inner;
    EXPECT_EQ(inner.cpu(), cpu);
  }
  EXPECT_EQ(current_cpu(), cpu);
}

// A run holds a slot for its whole duration; nested runs keep it.
TEST(CpuSlot, RunScopeHoldsTheSlot) {
  RunContext outer_rc, inner_rc;
  RunScope outer(outer_rc);
  const uint32_t cpu = current_cpu();
  {
    RunScope inner(inner_rc);
    EXPECT_EQ(current_cpu(), cpu);
  }
  if (possible_cpus() == 1) return;  // another run would wait for this one to end
  std::thread other([&] {
    RunContext rc;
    RunScope scope(rc);
    EXPECT_NE(current_cpu(), cpu);
  });
  other.join();
}

}  // namespace
}  // namespace decade::test
