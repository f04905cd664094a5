// SPDX-License-Identifier: Apache-2.0
// The inline memory check against the run's primary region (the largest
// region of the request): accesses inside it pass, one byte past either end
// faults at the instruction, and every other region (smaller request
// regions, the stack through a pointer, map values, read-only memory) is
// still reached through the out-of-line path. Checked and verified code,
// compared with the interpreter. Also may_goto's time slice per call frame.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

#include "jit_test_util.hpp"
#include "runtime/map.hpp"
#include "runtime/run_control.hpp"
#include "verifier/verifier.hpp"

namespace decade::jit::test {
namespace {

constexpr size_t kMem = 64;

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> m(n);
  for (size_t i = 0; i < n; ++i) m[i] = static_cast<uint8_t>(i * 7 + 1);
  return m;
}

std::shared_ptr<const VerifiedProgram> verified(const Program& p) {
  auto r = verify_raw(p);
  return r ? r->program : nullptr;
}

enum class Engine { Interp, JitChecked, JitVerified };

Result<std::unique_ptr<Executable>> build(Engine e, const Program& p) {
  if (e == Engine::Interp) return interp::compile_checked(p, env_of());
  if (e == Engine::JitChecked) return compile_checked(p, env_of());
  auto vp = verified(p);
  if (!vp) return make_error(ErrorCode::InvalidArgument, "not verified");
  return compile(vp, env_of());
}

// Runs `text` with r1 = a kMem-byte region (plus `extra` regions) and
// returns the result or the error.
Result<uint64_t> run_on(Engine e, const std::string& text, std::vector<uint8_t>& mem,
                        const std::vector<MemRegion>& extra = {}) {
  auto exe = build(e, assembled(text));
  if (!exe) return std::unexpected(exe.error());
  RunRequest req = request_for(&mem);
  for (const MemRegion& r : extra) req.regions.push_back(r);
  return (*exe)->run(req);
}

std::string load(const char* op, int off) { return std::string(op) + " %r0, [%r1" + (off < 0 ? "" : "+") + std::to_string(off) + "]\nexit"; }

struct Access {
  const char* op;
  int size;
};
const Access kLoads[] = {{"ldxb", 1}, {"ldxh", 2}, {"ldxw", 4}, {"ldxdw", 8}};

TEST(JitInlineCheck, InBoundsAtBothEnds) {
  for (Engine e : {Engine::Interp, Engine::JitChecked}) {
    for (const Access& a : kLoads) {
      std::vector<uint8_t> mem = pattern(kMem);
      const uint64_t first = run_on(e, load(a.op, 0), mem).value_or(~0ull);
      const uint64_t last = run_on(e, load(a.op, static_cast<int>(kMem) - a.size), mem).value_or(~0ull);
      uint64_t want_first = 0, want_last = 0;
      std::memcpy(&want_first, mem.data(), static_cast<size_t>(a.size));
      std::memcpy(&want_last, mem.data() + kMem - static_cast<size_t>(a.size), static_cast<size_t>(a.size));
      EXPECT_EQ(first, want_first) << a.op;
      EXPECT_EQ(last, want_last) << a.op;
    }
  }
}

TEST(JitInlineCheck, OneBytePastEitherEndFaults) {
  for (Engine e : {Engine::Interp, Engine::JitChecked}) {
    for (const Access& a : kLoads) {
      std::vector<uint8_t> mem = pattern(kMem);
      expect_error(run_on(e, load(a.op, static_cast<int>(kMem) - a.size + 1), mem), ErrorCode::ExecOutOfBounds, 0);
      expect_error(run_on(e, load(a.op, -1), mem), ErrorCode::ExecOutOfBounds, 0);
      // Stores: the same bounds, and memory left as it was.
      const std::string st = std::string("mov %r0, 0\nst") + (a.op + 3) + " [%r1+" + std::to_string(kMem - a.size + 1) +
                             "], -1\nexit";
      expect_error(run_on(e, st, mem), ErrorCode::ExecOutOfBounds, 1);
      EXPECT_EQ(mem, pattern(kMem)) << a.op;
    }
  }
}

// After stores of every width at the first and last offsets, the memory
// holds them; a write one byte past the end through a register fails.
TEST(JitInlineCheck, StoresAtTheEdges) {
  const std::string text =
      "stb [%r1+0], 0x11\nsth [%r1+8], 0x2222\nstw [%r1+16], 0x33333333\nstdw [%r1+56], -1\n"
      "mov %r2, %r1\nadd %r2, 63\nmov %r3, 0x77\nstxb [%r2+0], %r3\nldxdw %r0, [%r1+56]\nexit";
  std::vector<uint8_t> a = pattern(kMem), b = pattern(kMem);
  auto ri = run_on(Engine::Interp, text, a);
  auto rj = run_on(Engine::JitChecked, text, b);
  ASSERT_TRUE(ri.has_value() && rj.has_value());
  EXPECT_EQ(*ri, *rj);
  EXPECT_EQ(a, b);
  EXPECT_EQ(b[0], 0x11);
  EXPECT_EQ(b[16], 0x33);
  expect_error(run_on(Engine::JitChecked, "mov %r2, %r1\nadd %r2, 64\nstxb [%r2+0], %r2\nexit", b),
               ErrorCode::ExecOutOfBounds, 2);
}

// A second, smaller region is not the primary one: reached through the slow
// path, with its own bounds; read-only regions refuse writes.
TEST(JitInlineCheck, OtherRegionsThroughTheSlowPath) {
  std::vector<uint8_t> small = pattern(16), ro = pattern(16);
  const std::vector<MemRegion> extra = {{reinterpret_cast<uintptr_t>(small.data()), small.size(), true},
                                        {reinterpret_cast<uintptr_t>(ro.data()), ro.size(), false}};
  auto with_regs = [&](const std::string& body) {
    return "lddw %r3, " + std::to_string(reinterpret_cast<uint64_t>(small.data())) + "\nlddw %r4, " +
           std::to_string(reinterpret_cast<uint64_t>(ro.data())) + "\n" + body;
  };
  for (Engine e : {Engine::Interp, Engine::JitChecked}) {
    std::vector<uint8_t> mem = pattern(kMem);
    const std::vector<uint8_t> fresh = pattern(16);
    std::copy(fresh.begin(), fresh.end(), small.begin());  // keeps the buffer the regions name
    auto r = run_on(e, with_regs("ldxdw %r0, [%r3+8]\nstdw [%r3+0], 5\nldxb %r5, [%r4+15]\nadd %r0, %r5\nexit"), mem, extra);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    uint64_t want = 0;
    std::memcpy(&want, pattern(16).data() + 8, 8);
    EXPECT_EQ(*r, want + ro[15]);
    EXPECT_EQ(small[0], 5);
    // lddw takes two slots: the accesses are at slots 4 and 5.
    expect_error(run_on(e, with_regs("ldxdw %r0, [%r3+9]\nexit"), mem, extra), ErrorCode::ExecOutOfBounds, 4);
    expect_error(run_on(e, with_regs("stb [%r4+0], 1\nexit"), mem, extra), ErrorCode::ExecOutOfBounds, 4);
    expect_error(run_on(e, with_regs("ldxb %r0, [%r4+16]\nexit"), mem, extra), ErrorCode::ExecOutOfBounds, 4);
  }
}

// The largest region is the primary one, whatever its position; the
// request's first region then goes through the slow path.
TEST(JitInlineCheck, LargestRegionIsPrimary) {
  std::vector<uint8_t> big = pattern(256);
  const std::vector<MemRegion> extra = {{reinterpret_cast<uintptr_t>(big.data()), big.size(), true}};
  const std::string text = "lddw %r3, " + std::to_string(reinterpret_cast<uint64_t>(big.data())) +
                           "\nldxdw %r0, [%r3+248]\nldxb %r2, [%r1+63]\nadd %r0, %r2\nexit";
  std::vector<uint8_t> mem = pattern(kMem);
  auto ri = run_on(Engine::Interp, text, mem, extra);
  auto rj = run_on(Engine::JitChecked, text, mem, extra);
  ASSERT_TRUE(ri.has_value() && rj.has_value());
  EXPECT_EQ(*ri, *rj);
  expect_error(run_on(Engine::JitChecked, "lddw %r3, " + std::to_string(reinterpret_cast<uint64_t>(big.data())) +
                                              "\nldxdw %r0, [%r3+249]\nexit",
                      mem, extra),
               ErrorCode::ExecOutOfBounds, 2);
}

// A strided region (only the first `window` bytes of each element are the
// program's) is never the primary one: its gaps fault in both engines.
TEST(JitInlineCheck, StridedRegionKeepsItsGaps) {
  std::vector<uint8_t> mem = pattern(kMem);
  for (Engine e : {Engine::Interp, Engine::JitChecked}) {
    auto exe = build(e, assembled("ldxdw %r0, [%r1+16]\nldxdw %r0, [%r1+8]\nexit"));
    ASSERT_TRUE(exe.has_value());
    RunRequest req;
    req.r1 = reinterpret_cast<uint64_t>(mem.data());
    MemRegion r;
    r.start = req.r1;
    r.size = mem.size();
    r.stride = 16;
    r.window = 8;
    req.regions.push_back(r);
    expect_error((*exe)->run(req), ErrorCode::ExecOutOfBounds, 1);
  }
}

// A pointer to the stack in another register, a caller's frame and a map
// value: none is the primary region, all pass.
TEST(JitInlineCheck, StackAndMapsStillReachable) {
  MapDef d;
  d.name = "a";
  d.type = MapType::Array;
  d.key_size = 4;
  d.value_size = 16;
  d.max_entries = 2;
  auto arr = create_map(d);
  ASSERT_TRUE(arr.has_value());
  Map* m = arr->get();
  const std::string text =
      "stdw [%r10-8], 3\nmov %r2, %r10\nadd %r2, -8\nldxdw %r6, [%r2+0]\n"
      "stw [%r10-12], 1\nlddw_map_idx %r1, 0\nmov %r2, %r10\nadd %r2, -12\ncall 1\njeq %r0, 0, +3\n"
      "stdw [%r0+8], 40\nldxdw %r0, [%r0+8]\nadd %r6, %r0\nmov %r0, %r6\nexit";
  std::vector<uint8_t> mem = pattern(kMem);
  for (bool jit : {false, true}) {
    auto exe = jit ? compile_checked(assembled(text), env_of({m})) : interp::compile_checked(assembled(text), env_of({m}));
    ASSERT_TRUE(exe.has_value()) << exe.error().to_string();
    auto r = (*exe)->run(request_for(&mem));
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(*r, 43u);
  }
}

// Verified code: raw memory accesses the verifier cannot prove keep the
// inline check, with the same bounds and the same fault.
TEST(JitInlineCheck, VerifiedRawAccesses) {
  const std::string in = "mov %r0, 0\njlt %r2, 8, +1\nldxdw %r0, [%r1+0]\nexit";
  const std::string past = "mov %r0, 0\njlt %r2, 8, +1\nldxdw %r0, [%r1+60]\nexit";
  if (!verified(assembled(in)) || !verified(assembled(past))) GTEST_SKIP() << "the verifier rejects these programs";
  std::vector<uint8_t> mem = pattern(kMem);
  uint64_t want = 0;
  std::memcpy(&want, mem.data(), 8);
  EXPECT_EQ(run_on(Engine::JitVerified, in, mem).value_or(0), want);
  expect_error(run_on(Engine::JitVerified, past, mem), ErrorCode::ExecOutOfBounds, 2);
}

// Timed may_goto (as the kernel's): a loop governed by may_goto runs for
// the frame's time slice (250 ms from its first refill), whatever its
// count, and every call frame has a slice of its own. Two calls that each
// use up theirs, then a caller loop that still has its whole slice: three
// slices in all, in every engine. The loop counts go on past the first
// refill of 65,535.
TEST(JitMayGoto, TimeSlicePerCallFrame) {
  const char* text =
      "call local f\nmov %r6, %r0\ncall local f\nadd %r6, %r0\n"
      "mov %r0, 0\nmay_goto +2\nadd %r0, 1\nja -3\nadd %r0, %r6\nexit\n"
      "f:\nmov %r0, 0\nmay_goto +2\nadd %r0, 1\nja -3\nexit";
  std::vector<uint8_t> mem;
  auto vp = verified(assembled(text));
  for (Engine e : {Engine::Interp, Engine::JitChecked, Engine::JitVerified}) {
    if (e == Engine::JitVerified && !vp) continue;
    auto exe = build(e, assembled(text));
    ASSERT_TRUE(exe.has_value());
    const auto t0 = std::chrono::steady_clock::now();
    auto r = (*exe)->run(request_for(&mem, uint64_t{1} << 50));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_GT(*r, 3 * kTimedLoopCount) << static_cast<int>(e);
    EXPECT_GE(ms, 3 * 250) << static_cast<int>(e);
    EXPECT_LT(ms, 3 * 250 + 2000) << static_cast<int>(e);
  }
}

// A callback runs in a frame of its own: it gets a fresh slice too, after
// the caller's has run out.
TEST(JitMayGoto, CallbackFramesHaveTheirOwn) {
  const char* text =
      "mov %r6, 0\nmay_goto +2\nadd %r6, 1\nja -3\n"
      "mov %r1, 2\nlddw_func %r2, cb\nmov %r3, 0\nmov %r4, 0\ncall 181\nmov %r0, %r6\nexit\n"
      "cb:\nmov %r0, 0\nmay_goto +2\nadd %r0, 1\nja -3\nmov %r0, 0\nexit";
  std::vector<uint8_t> mem;
  for (Engine e : {Engine::Interp, Engine::JitChecked}) {
    auto exe = build(e, assembled(text));
    ASSERT_TRUE(exe.has_value());
    const auto t0 = std::chrono::steady_clock::now();
    auto r = (*exe)->run(request_for(&mem, uint64_t{1} << 50));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_GT(*r, kTimedLoopCount);
    EXPECT_GE(ms, 3 * 250) << static_cast<int>(e);
  }
}

}  // namespace
}  // namespace decade::jit::test
