// SPDX-License-Identifier: Apache-2.0
// Tail calls through a prog_array: JIT to JIT, JIT to interpreter, the
// 33-call limit, empty slots, and faults inside the target.
#include <gtest/gtest.h>

#include "jit_test_util.hpp"
#include "runtime/map.hpp"
#include "runtime/registry.hpp"

namespace decade::jit::test {
namespace {

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
  if (!jit) interp::fill_handle(*h);
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

TEST(JitTailCall, ChainStopsAfter33) {
  auto pa = prog_array(1);
  const ProgramEnv env = env_of({pa.get()});
  const char* self =
      "ldxdw %r2, [%r1+0]\nadd %r2, 1\nstxdw [%r1+0], %r2\n"
      "lddw_map_idx %r2, 0\nmov %r3, 0\ncall 12\n"
      "ldxdw %r0, [%r1+0]\nexit";
  install(*pa, 0, self, env);
  std::vector<uint8_t> counter(8, 0);
  EXPECT_EQ(run_text(self, &counter, env).value_or(0), 34u);  // the first run and 33 tail calls
}

TEST(JitTailCall, FaultInTheTargetEndsTheRun) {
  auto pa = prog_array(1);
  const ProgramEnv env = env_of({pa.get()});
  install(*pa, 0, "mov %r2, 0\nldxdw %r0, [%r2+0]\nexit", env);
  expect_error(run_text("lddw_map_idx %r2, 0\nmov %r3, 0\ncall 12\nexit", nullptr, env), ErrorCode::ExecOutOfBounds, 1);
}

}  // namespace
}  // namespace decade::jit::test
