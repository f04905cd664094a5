// SPDX-License-Identifier: Apache-2.0
// CPU slots behind per-CPU maps and bpf_get_smp_processor_id (issue 11,
// point 10): a slot is never held by two threads at once.
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
