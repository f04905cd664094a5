// SPDX-License-Identifier: Apache-2.0
// Issue 11, the map points: prog_arrays keep one owner profile (point 2),
// maps cannot exhaust the host (point 7), per-CPU values stay per CPU with
// more threads than CPUs (point 10). Programs run on every engine.
#include <gtest/gtest.h>

#include <cerrno>

#include <cstring>
#include <thread>
#include <vector>

#include "api_test_util.hpp"
#include "decade/decade.h"

namespace decade {
namespace {

using test::as_bytes;
using test::obj;

class EscapeMaps : public ::testing::TestWithParam<std::string> {
 protected:
  Result<BpfObject> open_and_load(const char* file, LoadOptions lo = {}) {
    auto o = BpfObject::open(obj(file));
    if (!o) return o;
    lo.engine = GetParam();
    if (auto s = o->load(lo); !s) return std::unexpected(s.error());
    return o;
  }
};

// ---- point 2: tail calls across program types ----

// xdp_caller owns `jmp` from its load on: a tc program is refused from the
// host API (naming the differing property by code), an XDP one works.
TEST_P(EscapeMaps, TailCallIntoOtherProgramTypeIsRefused) {
  auto o = open_and_load("api/progs/escape_tail_call.bpf.o");
  ASSERT_TRUE(o) << o.error().to_string();
  auto jmp = o->map("jmp");
  auto tc = o->program("tc_target");
  auto xdp = o->program("xdp_target");
  auto caller = o->program("xdp_caller");
  ASSERT_TRUE(jmp && tc && xdp && caller);
  const uint32_t slot = 0, tc_id = tc->id(), xdp_id = xdp->id();
  auto st = jmp->update(as_bytes(slot), as_bytes(tc_id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::MapProgArrayMismatch);
  std::vector<uint8_t> packet(64, 0);
  auto r = caller->test_run({.data = packet});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 1u);  // the slot stayed empty
  ASSERT_TRUE(jmp->update(as_bytes(slot), as_bytes(xdp_id)));
  r = caller->test_run({.data = packet});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 7u);
}

// Any free slot is refused, not only the first one tried.
TEST_P(EscapeMaps, TailCallMismatchInEverySlot) {
  auto o = open_and_load("api/progs/escape_tail_call.bpf.o");
  ASSERT_TRUE(o) << o.error().to_string();
  auto tc = o->program("tc_target");
  ASSERT_TRUE(tc);
  auto jmp = o->map("jmp");
  ASSERT_TRUE(jmp);
  const uint32_t slot = 1, id = tc->id();
  EXPECT_EQ(jmp->update(as_bytes(slot), as_bytes(id)).error().code, ErrorCode::MapProgArrayMismatch);
}

// A static `.values` initialiser is checked like a host update.
TEST_P(EscapeMaps, TailCallValuesInitialiserIsRefused) {
  auto o = open_and_load("api/progs/escape_tail_call_values.bpf.o");
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code, ErrorCode::MapProgArrayMismatch);
}

// A program of another type that refers to an owned array is refused at load.
TEST_P(EscapeMaps, SecondProgramTypeReferringToArrayIsRefusedAtLoad) {
  auto o = open_and_load("api/progs/escape_tail_call_users.bpf.o");
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code, ErrorCode::MapProgArrayMismatch);
  EXPECT_GE(o.error().insn, 0);  // tc_caller's ld_imm64 of jmp
}

// A program loaded by another engine (or checked) cannot join: the chain's
// tail-call count and run state live in one engine.
TEST(EscapeMapsEngines, TailCallAcrossEnginesIsRefused) {
  const auto available = engines();
  if (available.size() < 2) GTEST_SKIP() << "one engine in this build";
  auto a = BpfObject::open(obj("api/progs/escape_tail_call.bpf.o"));
  auto b = BpfObject::open(obj("api/progs/escape_tail_call.bpf.o"));
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->load({.engine = available[0]}));
  ASSERT_TRUE(b->load({.engine = available[1]}));
  auto jmp = a->map("jmp");
  auto other = b->program("xdp_target");
  ASSERT_TRUE(jmp && other);
  const uint32_t slot = 0, id = other->id();
  auto st = jmp->update(as_bytes(slot), as_bytes(id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::MapProgArrayMismatch);
  auto c = BpfObject::open(obj("api/progs/escape_tail_call.bpf.o"));
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->load({.engine = available[0], .unverified_checked_execution = true}));
  auto checked = c->program("xdp_target");
  ASSERT_TRUE(checked);
  const uint32_t cid = checked->id();
  EXPECT_EQ(jmp->update(as_bytes(slot), as_bytes(cid)).error().code, ErrorCode::MapProgArrayMismatch);
  auto same = a->program("xdp_target");
  const uint32_t sid = same->id();
  EXPECT_TRUE(jmp->update(as_bytes(slot), as_bytes(sid)));
}

TEST(EscapeMapsCApi, TailCallMismatchThroughMapUpdate) {
  const std::string path = obj("api/progs/escape_tail_call.bpf.o");
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_open(path.c_str(), &o), 0);
  ASSERT_EQ(decade_object_load(o, nullptr), 0) << decade_last_error();
  decade_map* jmp = decade_object_find_map(o, "jmp");
  decade_program* tc = decade_object_find_program(o, "tc_target");
  ASSERT_TRUE(jmp && tc);
  const uint32_t slot = 0, id = decade_program_id(tc);
  EXPECT_EQ(decade_map_update(jmp, &slot, &id, 0), -EINVAL);
  EXPECT_STREQ(decade_error_name(decade_last_error_code()), "MapProgArrayMismatch");
  decade_object_close(o);
}

// ---- point 7: map memory limits ----

// The object's maps over the per-map limit: the load fails before allocating.
TEST_P(EscapeMaps, MapOverPerMapLimitFailsLoad) {
  auto o = open_and_load("api/progs/percpu_count.bpf.o", {.map_memory = 4096});
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code, ErrorCode::MapMemoryLimit);
  auto again = open_and_load("api/progs/percpu_count.bpf.o", {.object_map_memory = 4096});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::MapMemoryLimit);
  EXPECT_TRUE(open_and_load("api/progs/percpu_count.bpf.o"));
}

TEST(EscapeMapsCApi, MemoryLimitsThroughLoadOpts) {
  const std::string path = obj("api/progs/percpu_count.bpf.o");
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_open(path.c_str(), &o), 0);
  decade_load_opts lo{};
  lo.sz = sizeof(lo);
  lo.map_memory = 4096;
  EXPECT_EQ(decade_object_load(o, &lo), -ENOMEM);
  EXPECT_STREQ(decade_error_name(decade_last_error_code()), "MapMemoryLimit");
  decade_object_close(o);
}

// ---- point 10: per-CPU maps with more threads than CPUs ----

TEST_P(EscapeMaps, PerCpuCountersExactWithMoreThreadsThanCpus) {
  auto o = open_and_load("api/progs/percpu_count.bpf.o");
  ASSERT_TRUE(o) << o.error().to_string();
  auto counts = o->map("counts");
  auto hash_counts = o->map("hash_counts");
  auto hits = o->map("hits");
  auto prog = o->program("count");
  ASSERT_TRUE(counts && hash_counts && hits && prog);
  const uint32_t cpus = counts->host_value_size() / 8, zero = 0;
  ASSERT_LE(cpus, hits->max_entries());
  std::vector<uint64_t> init(cpus, 0);
  ASSERT_TRUE(hash_counts->update(as_bytes(zero), {reinterpret_cast<const uint8_t*>(init.data()), 8 * cpus}));

  const uint32_t threads = 4 * cpus + 2, runs = 100'000;
  std::vector<std::thread> pool;
  std::vector<int> failures(threads, 0);
  for (uint32_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (uint32_t i = 0; i < runs / 1000; ++i) {
        auto r = prog->test_run({.repeat = 1000});
        if (!r || r->retval != 0) ++failures[t];
      }
    });
  }
  for (auto& th : pool) th.join();
  for (uint32_t t = 0; t < threads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;

  std::vector<uint64_t> per_cpu(cpus), per_cpu_hash(cpus);
  ASSERT_TRUE(counts->lookup(as_bytes(zero), {reinterpret_cast<uint8_t*>(per_cpu.data()), 8 * cpus}));
  ASSERT_TRUE(hash_counts->lookup(as_bytes(zero), {reinterpret_cast<uint8_t*>(per_cpu_hash.data()), 8 * cpus}));
  uint64_t sum = 0, sum_hash = 0;
  for (uint32_t c = 0; c < cpus; ++c) {
    uint64_t h = 0;
    ASSERT_TRUE(hits->lookup(as_bytes(c), {reinterpret_cast<uint8_t*>(&h), 8}));
    EXPECT_EQ(per_cpu[c], h) << "cpu " << c;  // bpf_get_smp_processor_id agrees with the slot
    EXPECT_EQ(per_cpu_hash[c], h) << "cpu " << c;
    sum += per_cpu[c];
    sum_hash += per_cpu_hash[c];
  }
  constexpr uint64_t kBumps = 256;  // percpu_count.bpf.c's BUMPS
  EXPECT_EQ(sum, uint64_t{threads} * runs * kBumps);
  EXPECT_EQ(sum_hash, uint64_t{threads} * runs * kBumps);
}

INSTANTIATE_TEST_SUITE_P(Api, EscapeMaps, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
