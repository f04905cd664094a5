// SPDX-License-Identifier: Apache-2.0
// bpf_fastcall in the engines: where the verifier removed the spill/fill
// pairs around a call, the verified interpreter and the verified JIT keep
// r1-r5 across it themselves, with the results of the program as written
// (which the checked interpreter runs, pairs included).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "jit_test_util.hpp"
#include "loader/object.hpp"

namespace decade::jit::test {
namespace {

// A fastcall kfunc whose native code really changes every SysV argument
// register: a JIT that dropped the pairs without keeping the registers
// would see them zeroed.
uint64_t clobber_args(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
#if defined(__x86_64__)
  asm volatile("xor %%edi, %%edi\n\txor %%esi, %%esi\n\txor %%edx, %%edx\n\txor %%ecx, %%ecx\n\txor %%r8d, %%r8d" ::
                   : "rdi", "rsi", "rdx", "rcx", "r8");
#endif
  return 1000;
}

FuncProto clobber_proto() {
  FuncProto p;
  p.name = "test_clobber_args";
  p.fn = clobber_args;
  p.flags = kHelperFastcall;
  p.fastcall_clobbers = 0x01;  // r0 only: no arguments
  return p;
}

// r1-r5 spilled around the kfunc as clang-22 does (nearest spill lowest),
// the result a sum of them all and the call's value.
const char* kFivePairs =
    "r1 = 1\nr2 = 20\nr3 = 300\nr4 = 4000\nr5 = 50000\n"
    "*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r2\n*(u64 *)(r10 - 24) = r3\n*(u64 *)(r10 - 32) = r4\n"
    "*(u64 *)(r10 - 40) = r5\ncall_kfunc 0, 0\nr5 = *(u64 *)(r10 - 40)\nr4 = *(u64 *)(r10 - 32)\n"
    "r3 = *(u64 *)(r10 - 24)\nr2 = *(u64 *)(r10 - 16)\nr1 = *(u64 *)(r10 - 8)\n"
    "r0 += r1\nr0 += r2\nr0 += r3\nr0 += r4\nr0 += r5\nexit\n";

// Three pairs (an odd count: the JIT pads the native stack) around the
// kfunc and around bpf_get_smp_processor_id, in a loop entered at the
// first pattern's outermost spill.
#define THREE_SPILLS "*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r2\n*(u64 *)(r10 - 24) = r3\n"
#define THREE_FILLS "r3 = *(u64 *)(r10 - 24)\nr2 = *(u64 *)(r10 - 16)\nr1 = *(u64 *)(r10 - 8)\n"
const char* kLoop =
    "r1 = 3\nr2 = 5\nr3 = 7\nr6 = 0\nr7 = 0\n"
    "l: " THREE_SPILLS "call_kfunc 0, 0\n" THREE_FILLS "r7 += r0\n" THREE_SPILLS "call 8\n" THREE_FILLS
    "r7 += r1\nr7 += r2\nr7 += r3\nr6 += 1\nif r6 < 10 goto l\nr0 = r7\nexit\n";

struct Runs {
  uint64_t checked = 0, interp = 0, jit = 0;
  size_t dropped = 0;
};

Runs run_all(const char* text, bool fastcall) {
  static const FuncProto proto = clobber_proto();
  Runs out;
  const Program p = assembled(text);
  VerifyInput in;
  in.program = &p;
  in.platform = &standard_platform();
  in.type = standard_platform().program_type("raw");
  in.kfuncs = {&proto};
  VerifyOptions opts;
  opts.fastcall = fastcall;
  auto vr = verify(in, opts);
  EXPECT_TRUE(vr.has_value()) << (vr ? "" : vr.error().to_string());
  if (!vr) return out;
  for (const InsnFacts& f : vr->program->facts()) out.dropped += f.fastcall_dropped;
  ProgramEnv env = env_of();
  env.kfuncs = {&proto};
  auto checked = interp::compile_checked(p, env);
  auto interp = interp::compile(vr->program, env);
  auto jit = compile(vr->program, env);
  EXPECT_TRUE(checked && interp && jit);
  if (!checked || !interp || !jit) return out;
  auto a = (*checked)->run(request_for(nullptr));
  auto b = (*interp)->run(request_for(nullptr));
  auto c = (*jit)->run(request_for(nullptr));
  EXPECT_TRUE(a && b && c);
  if (a && b && c) out = {*a, *b, *c, out.dropped};
  return out;
}

TEST(Fastcall, FivePairsKeptByBothEngines) {
  for (bool fastcall : {true, false}) {
    const Runs r = run_all(kFivePairs, fastcall);
    EXPECT_EQ(r.dropped, fastcall ? 10u : 0u);
    EXPECT_EQ(r.checked, 1000u + 54321u);
    EXPECT_EQ(r.interp, r.checked) << "fastcall " << fastcall;
    EXPECT_EQ(r.jit, r.checked) << "fastcall " << fastcall;
  }
}

TEST(Fastcall, OddPairCountInLoop) {
  const Runs r = run_all(kLoop, true);
  EXPECT_EQ(r.dropped, 12u);
  EXPECT_EQ(r.checked, 10u * (1000u + 3 + 5 + 7));
  EXPECT_EQ(r.interp, r.checked);
  EXPECT_EQ(r.jit, r.checked);
}

// bpf_get_smp_processor_id in verified code is a load of the run's CPU
// slot: no native call (which would need the kept registers pushed), the
// same value as the helper gives the checked interpreter.
TEST(Fastcall, CpuIdInlinedInVerifiedCode) {
  const Program p = assembled("r1 = 7\n*(u64 *)(r10 - 8) = r1\ncall 8\nr1 = *(u64 *)(r10 - 8)\nr0 <<= 8\nr0 += r1\nexit\n");
  auto vr = verify_raw(p);
  ASSERT_TRUE(vr.has_value()) << vr.error().to_string();
  EXPECT_TRUE(vr->program->facts()[1].fastcall_dropped);
  auto fast = compile(vr->program, env_of());
  auto slow = interp::compile_checked(p, env_of());
  ASSERT_TRUE(fast.has_value() && slow.has_value());
  auto a = (*fast)->run(request_for(nullptr)), b = (*slow)->run(request_for(nullptr));
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*a & 0xff, 7u);
  const auto info = inspect(**fast);
  ASSERT_TRUE(info.has_value());
  for (size_t i = 0; i + 1 < info->pc_map.size(); ++i) {
    if (info->pc_map[i].slot != 2) continue;
    const auto code = info->code.subspan(info->pc_map[i].offset, info->pc_map[i + 1].offset - info->pc_map[i].offset);
    const uint8_t call_r11[] = {0x41, 0xff, 0xd3};
    EXPECT_EQ(std::search(code.begin(), code.end(), std::begin(call_r11), std::end(call_r11)), code.end());
    EXPECT_LE(code.size(), 8u);  // one load, no pushes
  }
}

// bench_fastcall's program (bench/fastcall_progs/fastcall.c22.bpf.c) as
// clang-22 compiles it: the pairs around bpf_get_smp_processor_id are found
// and removed, and the checked interpreter (pairs run), the verified
// interpreter and the verified JIT (pairs removed, and with removal off) agree.
TEST(Fastcall, Clang22Program) {
  const std::string path = std::string(DECADE_BINARY_DIR) + "/bpf/bench/fastcall_progs/fastcall.c22.bpf.o";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not built (no clang-22)";
  std::ifstream f(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ObjectLoadOptions lo;
  lo.platform = &standard_platform();
  auto o = load_object(bytes, lo);
  ASSERT_TRUE(o.has_value()) << o.error().to_string();
  const auto it = std::find_if(o->programs.begin(), o->programs.end(), [](const auto& q) { return q.name == "fastcall_mix"; });
  ASSERT_NE(it, o->programs.end());
  const Program& p = it->program;
  std::vector<uint8_t> mem(256 * 8);  // WORDS
  std::mt19937_64 rng(5);
  for (uint8_t& b : mem) b = static_cast<uint8_t>(rng());
  auto checked = interp::compile_checked(p, env_of());
  ASSERT_TRUE(checked.has_value());
  auto want = (*checked)->run(request_for(&mem));
  ASSERT_TRUE(want.has_value()) << want.error().to_string();
  for (bool fastcall : {true, false}) {
    VerifyInput in;
    in.program = &p;
    in.platform = &standard_platform();
    in.type = standard_platform().program_type("raw");
    VerifyOptions opts;
    opts.fastcall = fastcall;
    auto vr = verify(in, opts);
    ASSERT_TRUE(vr.has_value()) << vr.error().to_string();
    size_t dropped = 0;
    for (const InsnFacts& fact : vr->program->facts()) dropped += fact.fastcall_dropped;
    EXPECT_EQ(dropped, fastcall ? 8u : 0u);  // four pairs
    auto interp = interp::compile(vr->program, env_of());
    auto jit = compile(vr->program, env_of());
    ASSERT_TRUE(interp && jit);
    auto a = (*interp)->run(request_for(&mem));
    auto b = (*jit)->run(request_for(&mem));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(*a, *want) << "interp, fastcall " << fastcall;
    EXPECT_EQ(*b, *want) << "jit, fastcall " << fastcall;
  }
}

}  // namespace
}  // namespace decade::jit::test
