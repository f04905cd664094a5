// SPDX-License-Identifier: Apache-2.0
// Tail calls through a prog_array: JIT to JIT, JIT to interpreter, the
// 33-call limit on every path (itself, mutual, from a subprogram, from a
// callback, across engines), empty slots, and faults inside the target.
#include <gtest/gtest.h>

#include <cstring>

#include "interp/tail_chains.hpp"  // tests/interp: the chains both engines run
#include "jit_test_util.hpp"
#include "runtime/map.hpp"
#include "runtime/registry.hpp"

namespace decade::jit::test {
namespace {

namespace chains = decade::test;

std::unique_ptr<Map> prog_array(uint32_t max) {
  MapDef d;
  d.name = "progs";
  d.type = MapType::ProgArray;
  d.key_size = 4;
  d.value_size = 4;
  d.max_entries = max;
  auto m = create_map(d);
  EXPECT_TRUE(m.has_value()) << m.error().to_string();
  return m ? std::move(*m) : nullptr;
}

// Stores `text`, compiled by the JIT (or the interpreter), in slot `index`.
void install(Map& pa, uint32_t index, const char* text, const ProgramEnv& env, bool jit = true) {
  auto h = std::make_shared<ProgramHandle>();
  auto exe = jit ? compile_checked(assembled(text), env) : interp::compile_checked(assembled(text), env);
  ASSERT_TRUE(exe.has_value()) << exe.error().to_string();
  h->executable = std::move(*exe);
  h->profile.program_type = "raw";
  const uint32_t id = register_program(h);
  ASSERT_EQ(pa.host_update(&index, &id, 0), 0);
}

TEST(JitTailCall, RunsTheTargetAndFallsThroughOnEmptySlots) {
  auto pa = prog_array(4);
  const ProgramEnv env = env_of({pa.get()});
  install(*pa, 0, "mov %r0, %r1\nadd %r0, 1000\nexit", env);
  install(*pa, 2, "mov %r0, %r1\nadd %r0, 2000\nexit", env, false);
  EXPECT_EQ(run_text("mov %r1, 5\nlddw_map_idx %r2, 0\nmov %r3, 0\ncall 12\nmov %r0, 99\nexit", nullptr, env).value_or(0),
            1005u);
  EXPECT_EQ(run_text("mov %r1, 5\nlddw_map_idx %r2, 0\nmov %r3, 2\ncall 12\nmov %r0, 99\nexit", nullptr, env).value_or(0),
            2005u);
  EXPECT_EQ(run_text("lddw_map_idx %r2, 0\nmov %r3, 1\ncall 12\nmov %r0, 99\nexit", nullptr, env).value_or(0), 99u);
  EXPECT_EQ(run_text("lddw_map_idx %r2, 0\nmov %r3, 7\ncall 12\nmov %r0, 99\nexit", nullptr, env).value_or(0), 99u);
}

// Runs `entry` (JIT) with slot i holding slots[i], compiled by the JIT
// unless jit_slots[i] is false; expects the kernel's outcome after 33 tail
// calls: 34 runs, one tail call that fell through, r0 = 34.
void expect_chain_of_33(const char* entry, std::vector<const char*> slots, std::vector<bool> jit_slots = {}) {
  auto pa = prog_array(2);
  const ProgramEnv env = env_of({pa.get()});
  for (uint32_t i = 0; i < slots.size(); ++i) install(*pa, i, slots[i], env, i >= jit_slots.size() || jit_slots[i]);
  std::vector<uint8_t> counts(16, 0);
  auto r = run_text(entry, &counts, env);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(*r, 34u);
  uint64_t fails = 0;
  std::memcpy(&fails, counts.data() + 8, 8);
  EXPECT_EQ(fails, 1u);
}

TEST(JitTailCall, ChainStopsAfter33) { expect_chain_of_33(chains::kSelfChain, {chains::kSelfChain}); }
TEST(JitTailCall, MutualChainStopsAfter33) { expect_chain_of_33(chains::kPing, {chains::kPing, chains::kPong}); }
TEST(JitTailCall, ChainFromASubprogramStopsAfter33) {
  expect_chain_of_33(chains::kSubprogChain, {chains::kSubprogChain});
}
TEST(JitTailCall, ChainFromACallbackStopsAfter33) { expect_chain_of_33(chains::kCallbackChain, {chains::kSelfChain}); }

TEST(JitTailCall, ChainThroughNestedCallbacksEndsAtTheFrameLimit) {
  auto pa = prog_array(1);
  const ProgramEnv env = env_of({pa.get()});
  install(*pa, 0, chains::kCallbackChain, env);
  std::vector<uint8_t> counts(16, 0);
  auto r = run_text(chains::kCallbackChain, &counts, env);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::ExecCallDepth) << r.error().to_string();
}

// JIT -> interpreter -> JIT -> ...: both engines count in the one chain.
TEST(JitTailCall, ChainAcrossEnginesStopsAfter33) {
  expect_chain_of_33(chains::kPing, {chains::kPing, chains::kPong}, {true, false});
  expect_chain_of_33(chains::kSubprogChain, {chains::kSubprogChain}, {false});
}

// Every JIT tail call nests one run, at most 33 per chain.
TEST(JitTailCall, ChainsKeepTheHostStackBounded) {
  chains::on_small_stack(1 << 20, [] {
    expect_chain_of_33(chains::kSelfChain, {chains::kSelfChain});
    expect_chain_of_33(chains::kPing, {chains::kPing, chains::kPong}, {true, false});
    expect_chain_of_33(chains::kCallbackChain, {chains::kSelfChain});
  });
}

TEST(JitTailCall, FaultInTheTargetEndsTheRun) {
  auto pa = prog_array(1);
  const ProgramEnv env = env_of({pa.get()});
  install(*pa, 0, "mov %r2, 0\nldxdw %r0, [%r2+0]\nexit", env);
  expect_error(run_text("lddw_map_idx %r2, 0\nmov %r3, 0\ncall 12\nexit", nullptr, env), ErrorCode::ExecOutOfBounds, 1);
}

}  // namespace
}  // namespace decade::jit::test
