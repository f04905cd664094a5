// SPDX-License-Identifier: Apache-2.0
// The engines' run entries besides run(): Executable::run_repeat (a test
// run's `repeat`, entered once) gives what as many run() calls give, with
// each run's tail-call count, faults and stops its own; hit_entry() (the
// probe hit path) runs verified programs on a context and exists for no
// checked one. Both engines, checked and verified.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "jit_test_util.hpp"
#include "runtime/map.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/registry.hpp"
#include "runtime/run_control.hpp"

namespace decade::jit::test {
namespace {

enum class Engine { Jit, Interp };

struct Case {
  Engine engine;
  bool verified;
};

std::string name_of(const ::testing::TestParamInfo<Case>& i) {
  return std::string(i.param.engine == Engine::Jit ? "Jit" : "Interp") + (i.param.verified ? "Verified" : "Checked");
}

class RunEntry : public ::testing::TestWithParam<Case> {
 protected:
  // `text` compiled by the case's engine; verified as a raw program when
  // the case is, else with run-time checks.
  std::unique_ptr<Executable> build(const char* text, const ProgramEnv& env = env_of()) {
    const Program p = assembled(text);
    const bool jit = GetParam().engine == Engine::Jit;
    Result<std::unique_ptr<Executable>> exe = std::unexpected(Error{});
    if (GetParam().verified) {
      auto vp = verify_raw(p);
      EXPECT_TRUE(vp.has_value()) << vp.error().to_string();
      if (!vp) return nullptr;
      exe = jit ? compile(vp->program, env) : interp::compile(vp->program, env);
    } else {
      exe = jit ? compile_checked(p, env) : interp::compile_checked(p, env);
    }
    EXPECT_TRUE(exe.has_value()) << exe.error().to_string();
    return exe ? std::move(*exe) : nullptr;
  }
};

// Adds 1 to the u64 at r1 and returns the new value (r2 = the length, 8).
constexpr const char* kCounter =
    "mov %r0, 0\njlt %r2, 8, +4\nldxdw %r0, [%r1+0]\nadd %r0, 1\nstxdw [%r1+0], %r0\nexit\nexit";

TEST_P(RunEntry, RepeatGivesWhatAsManyRunsGive) {
  auto exe = build(kCounter);
  ASSERT_TRUE(exe);
  std::vector<uint8_t> once(8, 0), repeated(8, 0);
  uint64_t last = 0;
  for (int i = 0; i < 7; ++i) last = exe->run(request_for(&once)).value_or(0);
  RunRequest req = request_for(&repeated);
  uint32_t between = 0;
  req.between_runs = [](void* n) { ++*static_cast<uint32_t*>(n); };
  req.between_arg = &between;
  auto r = exe->run_repeat(req, 7);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(*r, last);
  EXPECT_EQ(*r, 7u);
  EXPECT_EQ(once, repeated);
  EXPECT_EQ(between, 6u);  // before each run but the first
  // 0 runs once, as a test run's repeat of 0 does.
  EXPECT_EQ(exe->run_repeat(req, 0).value_or(0), 8u);
}

// Adds 1 to the u64 at r1, then tail-calls slot 0 (itself): a chain runs
// 34 times, the last tail call falling through, only when each run starts
// with a count of 0. Returns the u64. A target gets r1 only, so it is
// checked, not verified against r2.
constexpr const char* kSelfChain =
    "mov %r6, %r1\nldxdw %r0, [%r1+0]\nadd %r0, 1\nstxdw [%r1+0], %r0\nmov %r1, %r6\n"
    "lddw_map_idx %r2, 0\nmov %r3, 0\ncall 12\nldxdw %r0, [%r6+0]\nexit";

TEST_P(RunEntry, EachRepeatedRunHasItsOwnTailCallCount) {
  if (GetParam().verified) GTEST_SKIP() << "a raw verified program reads memory only below r2, which a target lacks";
  MapDef d;
  d.name = "progs";
  d.type = MapType::ProgArray;
  d.key_size = 4;
  d.value_size = 4;
  d.max_entries = 1;
  auto pa = create_map(d);
  ASSERT_TRUE(pa.has_value()) << pa.error().to_string();
  const ProgramEnv env = env_of({pa->get()});
  auto h = std::make_shared<ProgramHandle>();
  h->executable = build(kSelfChain, env);
  ASSERT_TRUE(h->executable);
  h->profile.program_type = "raw";
  const uint32_t id = register_program(h), zero = 0;
  ASSERT_EQ((*pa)->host_update(&zero, &id, 0), 0);
  std::vector<uint8_t> mem(8, 0);
  auto r = h->executable->run_repeat(request_for(&mem), 3);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(*r, 3u * 34);
}

TEST_P(RunEntry, RepeatStopsAtTheFirstRunThatFaults) {
  if (GetParam().verified) GTEST_SKIP() << "verified programs cannot fault on memory";
  // The third run loads through a null pointer (instruction 5).
  auto exe = build("ldxdw %r0, [%r1+0]\nadd %r0, 1\nstxdw [%r1+0], %r0\njne %r0, 3, +2\nmov %r2, 0\nldxdw %r0, [%r2+0]\nexit");
  ASSERT_TRUE(exe);
  std::vector<uint8_t> mem(8, 0);
  expect_error(exe->run_repeat(request_for(&mem), 10), ErrorCode::ExecOutOfBounds, 5);
  uint64_t runs = 0;
  std::memcpy(&runs, mem.data(), 8);
  EXPECT_EQ(runs, 3u);
}

TEST_P(RunEntry, ACancelStopsARepeatedRun) {
  auto exe = build(kCounter);
  ASSERT_TRUE(exe);
  std::vector<uint8_t> mem(8, 0);
  RunControl control;
  RunRequest req = request_for(&mem);
  req.control = &control;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    control.stop(StopReason::Cancelled);
  });
  auto r = exe->run_repeat(req, uint64_t{1} << 40);  // hours unless stopped
  stopper.join();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::ExecCancelled) << r.error().to_string();
}

// A probe's program: adds pt_regs' di to the u64 of array map 0.
constexpr const char* kAddDi =
    "mov %r6, %r1\nmov %r1, 0\nstxw [%r10-4], %r1\nlddw_map_idx %r1, 0\nmov %r2, %r10\nadd %r2, -4\ncall 1\n"
    "jeq %r0, 0, +4\nldxdw %r1, [%r6+112]\nldxdw %r2, [%r0+0]\nadd %r2, %r1\nstxdw [%r0+0], %r2\nmov %r0, 0\nexit";

TEST_P(RunEntry, HitEntryRunsVerifiedProgramsOnly) {
  const bool jit = GetParam().engine == Engine::Jit;
  MapDef d;
  d.name = "sum";
  d.type = MapType::Array;
  d.key_size = 4;
  d.value_size = 8;
  d.max_entries = 1;
  auto map = create_map(d);
  ASSERT_TRUE(map.has_value()) << map.error().to_string();
  const ProgramEnv env = env_of({map->get()});
  const Program p = assembled(kAddDi);
  if (!GetParam().verified) {
    auto exe = jit ? compile_checked(p, env) : interp::compile_checked(p, env);
    ASSERT_TRUE(exe.has_value());
    EXPECT_EQ((*exe)->hit_entry().run, nullptr);  // checked runs need their context as a region
    return;
  }
  // Raw programs take no context without its length: this one is a uprobe's.
  VerifyInput in;
  in.program = &p;
  in.platform = &standard_platform();
  in.type = standard_platform().program_type("uprobe");
  in.maps = {&(*map)->def()};
  auto vp = verify(in, {});
  ASSERT_TRUE(vp.has_value()) << vp.error().to_string();
  auto exe = jit ? compile(vp->program, env) : interp::compile(vp->program, env);
  ASSERT_TRUE(exe.has_value()) << exe.error().to_string();
  const Executable::HitEntry e = (*exe)->hit_entry();
  ASSERT_NE(e.run, nullptr);
  X86PtRegs regs{};
  regs.di = 5;
  for (int i = 0; i < 3; ++i) e.run(e.code, reinterpret_cast<uint64_t>(&regs));
  auto sum = [&] {
    uint64_t v = 0;
    const uint32_t zero = 0;
    EXPECT_EQ((*map)->host_lookup(&zero, &v, 0), 0);
    return v;
  };
  EXPECT_EQ(sum(), 15u);
  // The same entry on a thread in the middle of a run (its state busy, a
  // hit from a function a helper calls): the hit runs on fresh state and
  // leaves the outer run's alone.
  std::vector<uint8_t> mem(8, 0);
  RunRequest req = request_for(&mem);
  struct Nested {
    Executable::HitEntry e;
    X86PtRegs* regs;
    uint32_t calls = 0;
  } nested{e, &regs};
  req.between_runs = [](void* a) {
    auto& n = *static_cast<Nested*>(a);
    n.e.run(n.e.code, reinterpret_cast<uint64_t>(n.regs));
    ++n.calls;
  };
  req.between_arg = &nested;
  auto counter = build(kCounter);
  ASSERT_TRUE(counter);
  EXPECT_EQ(counter->run_repeat(req, 4).value_or(0), 4u);
  EXPECT_EQ(nested.calls, 3u);
  EXPECT_EQ(sum(), 30u);
}

INSTANTIATE_TEST_SUITE_P(Engines, RunEntry,
                         ::testing::Values(Case{Engine::Jit, false}, Case{Engine::Jit, true}, Case{Engine::Interp, false},
                                           Case{Engine::Interp, true}),
                         name_of);

}  // namespace
}  // namespace decade::jit::test
