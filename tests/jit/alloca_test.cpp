// SPDX-License-Identifier: Apache-2.0
// The alloca extension in the engines (docs/isa-extensions.md, "alloca"):
// the verified interpreter, the verified JIT and the JIT with constant
// blinding place each area where the verifier did, at its frame's bottom,
// apart from the function's own stack, its other areas and other frames';
// checked (unverified) code has no placement and faults at an alloca; with
// guard pages on, eight frames filled to their bottom stay inside the
// engines' stack.
#include <gtest/gtest.h>

#include "jit_test_util.hpp"
#include "runtime/guarded_memory.hpp"

namespace decade::jit::test {
namespace {

// main: a local at fp-8, areas of 40 and 24 bytes; f gets main's first
// area, takes 64 bytes of its own frame, writes both and returns 1000 + 300.
// main adds its area words and its local back: each survived the others.
const char* kAreasAndFrames =
    "r6 = 5\n*(u64 *)(r10 - 8) = r6\n"
    "r1 = 40\nr0 = alloca r1\nr7 = r0\nr1 = 24\nr0 = alloca r1\nr8 = r0\n"
    "r1 = 11\n*(u64 *)(r7 + 32) = r1\nr1 = 22\n*(u64 *)(r8 + 16) = r1\n"
    "r1 = r7\ncall f\n"
    "r1 = *(u64 *)(r7 + 32)\nr0 += r1\nr1 = *(u64 *)(r8 + 16)\nr0 += r1\nr1 = *(u64 *)(r10 - 8)\nr0 += r1\nexit\n"
    "f: r6 = r1\nr1 = 64\nr0 = alloca r1\nr2 = 1000\n*(u64 *)(r0 + 56) = r2\nr2 = 300\n*(u64 *)(r6 + 0) = r2\n"
    "r0 = *(u64 *)(r0 + 56)\nr3 = *(u64 *)(r6 + 0)\nr0 += r3\nexit\n";
constexpr uint64_t kAreasAndFramesResult = 1300 + 11 + 22 + 5;

// The first area starts at the frame's bottom: r0 = 1 when it is there
// (r1 is made in two steps, so the function's own stack stays 256 bytes).
const char* kAtBottom512 =
    "r1 = 40\nr0 = alloca r1\nr1 = r10\nr1 += -256\nr1 += -256\nif r0 == r1 goto yes\nr0 = 0\nexit\nyes: r0 = 1\nexit\n";
const char* kAtBottom2048 =
    "r1 = 40\nr0 = alloca r1\nr1 = r10\nr1 += -1024\nr1 += -1024\nif r0 == r1 goto yes\nr0 = 0\nexit\nyes: r0 = 1\nexit\n";

// A size known only at run time (r2, the memory's length, bounded to
// 1..64): the area's first and last words, plus the size.
const char* kRunTimeSize =
    "r6 = r2\nif r6 > 64 goto out\nif r6 == 0 goto out\nr1 = r6\nr0 = alloca r1\n"
    "r2 = 1\n*(u64 *)(r0 + 0) = r2\nr2 = 2\n*(u64 *)(r0 + 56) = r2\nr3 = *(u64 *)(r0 + 0)\nr4 = *(u64 *)(r0 + 56)\n"
    "r0 = r3\nr0 += r4\nr0 += r6\nexit\nout: r0 = 0\nexit\n";

// Eight divided frames of 1024 bytes, each allocating all of its frame
// below its own 8 bytes and writing the area's lowest and highest words.
std::string eight_full_frames() {
  std::string t;
  for (int d = 0; d < 8; ++d) {
    t += d == 0 ? "" : "f" + std::to_string(d) + ": ";
    t += "*(u64 *)(r10 - 8) = r1\nr1 = 1016\nr0 = alloca r1\nr2 = " + std::to_string(1 << d) +
         "\n*(u64 *)(r0 + 0) = r2\n*(u64 *)(r0 + 1008) = r2\nr6 = r0\n";
    t += d < 7 ? "call f" + std::to_string(d + 1) + "\n" : "r0 = 0\n";
    t += "r1 = *(u64 *)(r6 + 0)\nr0 += r1\nr1 = *(u64 *)(r6 + 1008)\nr0 += r1\nexit\n";
  }
  return t;
}

void expect_verified_engines(const std::string& text, const VerifyOptions& opts, uint64_t want,
                             std::vector<uint8_t>* mem = nullptr) {
  const Program p = assembled(text);
  auto vr = verify_raw(p, opts);
  ASSERT_TRUE(vr.has_value()) << vr.error().to_string();
  auto interp = interp::compile(vr->program, env_of());
  auto jit = compile(vr->program, env_of());
  JitOptions blind;
  blind.blind_constants = true;
  auto jit_blind = compile(vr->program, env_of(), blind);
  ASSERT_TRUE(interp && jit && jit_blind);
  for (const auto* exe : {&*interp, &*jit, &*jit_blind}) {
    for (int run = 0; run < 2; ++run) {  // the second run reuses the thread's state
      auto r = (*exe)->run(request_for(mem));
      ASSERT_TRUE(r.has_value()) << (*exe)->engine_name() << ": " << r.error().to_string();
      EXPECT_EQ(*r, want) << (*exe)->engine_name();
    }
  }
}

VerifyOptions stack_of(uint32_t size, bool divided = false) {
  VerifyOptions o;
  o.max_stack = size;
  o.divided_stack = divided;
  return o;
}

TEST(Alloca, AreasStayApartFromLocalsAndFrames) { expect_verified_engines(kAreasAndFrames, {}, kAreasAndFramesResult); }
TEST(Alloca, AreaStartsAtTheFrameBottom) {
  expect_verified_engines(kAtBottom512, {}, 1);
  expect_verified_engines(kAtBottom2048, stack_of(2048), 1);
}
TEST(Alloca, SizeKnownAtRunTime) {
  std::vector<uint8_t> mem(40);
  expect_verified_engines(kRunTimeSize, {}, 1 + 2 + 40, &mem);
}

// The deepest byte a verified program can reach is the bottom of its
// eighth frame: with guard pages on (a PROT_NONE page below the engines'
// stack), eight frames filled to their bottom run without a fault.
TEST(Alloca, EightFullFramesStayInsideTheGuardedStack) {
  set_guard_pages(true);
  expect_verified_engines(eight_full_frames(), stack_of(1024, true), 2 * 255);
  set_guard_pages(false);
}

// Without the verifier there is no placement: both engines fault at the alloca.
TEST(Alloca, CheckedCodeFaultsAtAnAlloca) {
  const Program p = assembled("r1 = 8\nr0 = alloca r1\nexit\n");
  auto interp = interp::compile_checked(p, env_of());
  auto jit = compile_checked(p, env_of());
  ASSERT_TRUE(interp && jit);
  for (const auto* exe : {&*interp, &*jit}) {
    auto r = (*exe)->run(request_for(nullptr));
    ASSERT_FALSE(r.has_value()) << (*exe)->engine_name();
    EXPECT_EQ(r.error().code, ErrorCode::ExecUnsupported) << (*exe)->engine_name();
    EXPECT_EQ(r.error().insn, 1) << (*exe)->engine_name();
  }
}

}  // namespace
}  // namespace decade::jit::test
