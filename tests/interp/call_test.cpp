// SPDX-License-Identifier: Apache-2.0
// BPF-to-BPF calls, helpers, kfuncs, callx, and the control-flow
// extensions (may_goto, gotox), plus checked mode's budget and bad jumps.
#include "interp_test_util.hpp"
#include "runtime/run_control.hpp"
#include "runtime/maps/arena.hpp"

namespace decade::test {
namespace {

uint64_t add3(uint64_t a, uint64_t b, uint64_t c, uint64_t, uint64_t) { return a + b + c; }

Platform tiny_platform() {
  Platform p;
  FuncProto f;
  f.name = "add3";
  f.id = 1000;
  f.fn = add3;
  f.args = {ArgKind::Scalar, ArgKind::Scalar, ArgKind::Scalar};
  EXPECT_TRUE(p.add_helper(f).has_value());
  return p;
}

TEST(InterpCall, LocalCallPreservesR6ToR9) {
  const char* text =
      "mov %r6, 6\nmov %r7, 7\nmov %r8, 8\nmov %r9, 9\n"
      "mov %r1, 1\n"
      "call local f\n"
      "add %r0, %r6\nadd %r0, %r7\nadd %r0, %r8\nadd %r0, %r9\n"
      "exit\n"
      "f:\n"
      "mov %r6, 0\nmov %r7, 0\nmov %r8, 0\nmov %r9, 0\n"
      "mov %r0, %r1\nadd %r0, 100\n"
      "exit";
  EXPECT_EQ(value(text), 101u + 6 + 7 + 8 + 9);
}

TEST(InterpCall, FramesHaveTheirOwnStack) {
  const char* text =
      "stdw [%r10-8], 111\n"
      "mov %r1, %r10\n"
      "call local f\n"
      "ldxdw %r2, [%r10-8]\n"  // still 111: the callee wrote its own frame
      "add %r0, %r2\n"
      "exit\n"
      "f:\n"
      "stdw [%r10-8], 222\n"
      "ldxdw %r0, [%r10-8]\n"
      "sub %r1, %r10\n"  // the caller's r10 minus ours: one frame
      "add %r0, %r1\n"
      "exit";
  EXPECT_EQ(value(text), 111u + 222 + 512);
}

TEST(InterpCall, CalleeMayUseCallerStackThroughAPointer) {
  const char* text =
      "stdw [%r10-8], 5\n"
      "mov %r1, %r10\nadd %r1, -8\n"
      "call local f\n"
      "ldxdw %r0, [%r10-8]\n"
      "exit\n"
      "f:\n"
      "stdw [%r1+0], 42\n"
      "exit";
  EXPECT_EQ(value(text), 42u);
}

// main + n nested frames of a recursive function.
std::string recursion(int n) {
  return "mov %r1, " + std::to_string(n) +
         "\ncall local f\nmov %r0, 1\nexit\n"
         "f:\nadd %r1, -1\njeq %r1, 0, done\ncall local f\ndone:\nexit";
}

TEST(InterpCall, EightFramesAndNoMore) {
  EXPECT_EQ(value(recursion(7)), 1u);  // 8 frames in all
  expect_error(run(recursion(8)), ErrorCode::ExecCallDepth, 6);  // the ninth frame's call
}

TEST(InterpCall, HelperFromPlatform) {
  const Platform p = tiny_platform();
  ProgramEnv env;
  env.platform = &p;
  EXPECT_EQ(value("mov %r1, 1\nmov %r2, 2\nmov %r3, 3\ncall 1000\nexit", nullptr, env), 6u);
  expect_error(run("mov %r0, 0\ncall 999\nexit", nullptr, env), ErrorCode::ExecBadCall, 1);
  expect_error(run("call 1000\nexit"), ErrorCode::ExecBadCall, 0);  // no platform at all
}

TEST(InterpCall, Kfunc) {
  FuncProto k;
  k.name = "add3_kfunc";
  k.fn = add3;
  k.args = {ArgKind::Scalar, ArgKind::Scalar, ArgKind::Scalar};
  ProgramEnv env;
  env.kfuncs = {&k};
  EXPECT_EQ(value("mov %r1, 10\nmov %r2, 20\nmov %r3, 30\ncall_kfunc 0, 0\nexit", nullptr, env), 60u);
  expect_error(run("call_kfunc 1, 0\nexit", nullptr, env), ErrorCode::ExecBadCall, 0);
}

TEST(InterpCall, CallxHelperIdAndFunction) {
  const Platform p = tiny_platform();
  ProgramEnv env;
  env.platform = &p;
  EXPECT_EQ(value("mov %r1, 4\nmov %r2, 5\nmov %r3, 6\nmov %r4, 1000\ncallx %r4\nexit", nullptr, env), 15u);
  const char* fn =
      "lddw_func %r4, f\n"
      "mov %r1, 3\n"
      "callx %r4\n"
      "exit\n"
      "f:\n"
      "mov %r0, %r1\nmul %r0, 7\nexit";
  EXPECT_EQ(value(fn, nullptr, env), 21u);
  expect_error(run("lddw %r4, 0x123456789\ncallx %r4\nexit", nullptr, env), ErrorCode::ExecBadCall, 2);
  expect_error(run("mov %r4, 77\ncallx %r4\nexit", nullptr, env), ErrorCode::ExecBadCall, 1);
}

// Timed may_goto (the kernel's): the loop runs for the frame's 250 ms
// time slice, refilling its count of 65,535 on the way, then may_goto jumps.
TEST(InterpControl, MayGotoTimeSlice) {
  const char* text =
      "mov %r0, 0\n"
      "loop:\n"
      "may_goto out\n"
      "add %r0, 1\n"
      "ja loop\n"
      "out:\n"
      "exit";
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run(text, nullptr, {}, uint64_t{1} << 50);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_GT(*r, kTimedLoopCount);
  EXPECT_GE(ms, 250);
  EXPECT_LT(ms, 250 + 2000);
}

TEST(InterpControl, Gotox) {
  EXPECT_EQ(value("mov %r0, 7\nmov %r1, 4\ngotox %r1\nmov %r0, 1\nexit"), 7u);
  expect_error(run("mov %r0, 7\nmov %r1, 100\ngotox %r1\nexit"), ErrorCode::ExecBadJump, 2);
  // Slot 1 is the second half of an lddw.
  expect_error(run("lddw %r0, 1\nmov %r1, 1\ngotox %r1\nexit"), ErrorCode::ExecBadJump, 3);
}

TEST(InterpControl, BudgetExhausted) {
  expect_error(run("mov %r0, 0\nloop:\nadd %r0, 1\nja loop", nullptr, {}, 1000), ErrorCode::ExecBudgetExhausted, 2);
  // Exactly enough budget for every instruction.
  EXPECT_TRUE(run("mov %r0, 0\nadd %r0, 1\nexit", nullptr, {}, 3).has_value());
  expect_error(run("mov %r0, 0\nadd %r0, 1\nexit", nullptr, {}, 2), ErrorCode::ExecBudgetExhausted, 2);
}

TEST(InterpControl, FallingOffTheEnd) {
  expect_error(run("mov %r0, 0\nmov %r0, 1"), ErrorCode::ExecBadJump, 2);
}

TEST(InterpControl, LegacyPacketLoadWithoutSocketBufferFaults) {
  // r6 must be the socket buffer context (runtime/ld_packet.hpp).
  expect_error(run("mov %r0, 0\nldabsb 4\nexit"), ErrorCode::ExecHelperFault, 1);
}

TEST(InterpControl, UnsupportedInstructionsNameThemselves) {
  // addr_space_cast to host without an arena map.
  expect_error(run("mov %r1, 1\naddr_space_cast %r0, %r1, 0, 1\nexit"), ErrorCode::ExecUnsupported, 1);
}

TEST(InterpControl, ArenaCasts) {
  MapDef d;
  d.name = "arena";
  d.type = MapType::Arena;
  d.max_entries = 4;
  d.map_flags = kMapFMmapable;
  auto m = create_map(d);
  ASSERT_TRUE(m.has_value()) << m.error().to_string();
  const uint64_t base = as_arena(m->get())->user_vm_start();
  ProgramEnv env;
  env.maps = {m->get()};
  EXPECT_EQ(value("mov %r1, 0x1008\naddr_space_cast %r0, %r1, 0, 1\nexit", nullptr, env),
            (base & ~0xffffffffULL) | 0x1008);
  EXPECT_EQ(value("mov %r1, 0\naddr_space_cast %r0, %r1, 0, 1\nexit", nullptr, env), 0u);
  EXPECT_EQ(value("lddw %r1, 0x1234500001008\naddr_space_cast %r0, %r1, 1, 0\nexit", nullptr, env), 0x1008u);
}

TEST(InterpControl, BadRegisterInAHandBuiltProgram) {
  Program p = program("mov %r0, 1\nexit");
  p.insns[0].dst = 12;
  auto e = interp::compile_checked(std::move(p), {});
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, ErrorCode::DecodeBadRegister);
  EXPECT_EQ(e.error().insn, 0);
}

}  // namespace
}  // namespace decade::test
