// SPDX-License-Identifier: Apache-2.0
// Frames larger than 512 bytes (a host-raised VerifyOptions::max_stack) and
// the divided stack in the engines: the verified interpreter, the verified
// JIT and the JIT with constant blinding give each call its own frame of
// VerifiedProgram::frame_size bytes, keep stack arguments and bpf_loop
// callbacks working with them, and agree (docs/isa-extensions.md, "stack").
#include <gtest/gtest.h>

#include "jit_test_util.hpp"

namespace decade::jit::test {
namespace {

// main and f each write the bottom and the top of a 4000-byte frame; main
// reads its own back after the call (the frames must not overlap).
const char* kTwoBigFrames =
    "r1 = 1\n*(u64 *)(r10 - 4000) = r1\nr1 = 2\n*(u64 *)(r10 - 8) = r1\ncall f\n"
    "r1 = *(u64 *)(r10 - 4000)\nr0 += r1\nr1 = *(u64 *)(r10 - 8)\nr0 += r1\nexit\n"
    "f: r1 = 100\n*(u64 *)(r10 - 4000) = r1\nr1 = 1000\n*(u64 *)(r10 - 8) = r1\n"
    "r0 = *(u64 *)(r10 - 4000)\nr1 = *(u64 *)(r10 - 8)\nr0 += r1\nexit\n";

// Stack arguments between 2048-byte frames: the JIT finds a frame's level
// from its r10 with a shift that follows the frame size.
const char* kStackArgsBigFrames =
    "r6 = 7\n*(u64 *)(r10 - 2048) = r6\n*(u64 *)(r11 - 8) = 3\n*(u64 *)(r11 - 16) = 4\ncall f\n"
    "r1 = *(u64 *)(r10 - 2048)\nr0 += r1\nexit\n"
    "f: r7 = *(u64 *)(r11 + 8)\n*(u64 *)(r10 - 2048) = r7\nr7 *= 10\n*(u64 *)(r11 - 8) = r7\ncall g\n"
    "r1 = *(u64 *)(r11 + 16)\nr0 += r1\nr1 = *(u64 *)(r10 - 2048)\nr0 += r1\nexit\n"
    "g: r0 = *(u64 *)(r11 + 8)\n*(u64 *)(r10 - 2000) = r0\nr0 *= 1000\nexit\n";
// g: 30 * 1000; f adds its second argument 4 and its frame's 3; main its 7.
constexpr uint64_t kStackArgsBigFramesResult = 30000 + 4 + 3 + 7;

// bpf_loop's callback runs in a frame below its caller's 1024-byte one and
// uses 1024 bytes itself; the counter lives at the bottom of main's frame.
const char* kCallbackBigFrames =
    "r6 = 0\n*(u64 *)(r10 - 1024) = r6\nr1 = 3\nr2 = func(cb) ll\nr3 = r10\nr3 += -1024\nr4 = 0\ncall 181\n"
    "r0 = *(u64 *)(r10 - 1024)\nexit\n"
    "cb: *(u64 *)(r10 - 1024) = r1\nr3 = *(u64 *)(r2 + 0)\nr4 = *(u64 *)(r10 - 1024)\nr3 += r4\nr3 += 1\n"
    "*(u64 *)(r2 + 0) = r3\nr0 = 0\nexit\n";

// Eight frames of 1024 bytes, which only the divided stack allows with a
// 1024-byte stack size: each stores its depth, calls on, and adds it back.
const char* kEightDividedFrames =
    "r2 = 1\n*(u64 *)(r10 - 1024) = r2\ncall f1\nr1 = *(u64 *)(r10 - 1024)\nr0 += r1\nexit\n"
    "f1: r2 = 2\n*(u64 *)(r10 - 1024) = r2\ncall f2\nr1 = *(u64 *)(r10 - 1024)\nr0 += r1\nexit\n"
    "f2: r2 = 4\n*(u64 *)(r10 - 1024) = r2\ncall f3\nr1 = *(u64 *)(r10 - 1024)\nr0 += r1\nexit\n"
    "f3: r2 = 8\n*(u64 *)(r10 - 1024) = r2\ncall f4\nr1 = *(u64 *)(r10 - 1024)\nr0 += r1\nexit\n"
    "f4: r2 = 16\n*(u64 *)(r10 - 1024) = r2\ncall f5\nr1 = *(u64 *)(r10 - 1024)\nr0 += r1\nexit\n"
    "f5: r2 = 32\n*(u64 *)(r10 - 1024) = r2\ncall f6\nr1 = *(u64 *)(r10 - 1024)\nr0 += r1\nexit\n"
    "f6: r2 = 64\n*(u64 *)(r10 - 1024) = r2\ncall f7\nr1 = *(u64 *)(r10 - 1024)\nr0 += r1\nexit\n"
    "f7: r2 = 128\n*(u64 *)(r10 - 1024) = r2\nr0 = *(u64 *)(r10 - 1024)\nexit\n";

void expect_verified_engines(const char* text, const VerifyOptions& opts, uint32_t frame, uint64_t want) {
  const Program p = assembled(text);
  auto vr = verify_raw(p, opts);
  ASSERT_TRUE(vr.has_value()) << vr.error().to_string();
  EXPECT_EQ(vr->program->frame_size(), frame);
  auto interp = interp::compile(vr->program, env_of());
  auto jit = compile(vr->program, env_of());
  JitOptions blind;
  blind.blind_constants = true;
  auto jit_blind = compile(vr->program, env_of(), blind);
  ASSERT_TRUE(interp && jit && jit_blind);
  for (const auto* exe : {&*interp, &*jit, &*jit_blind}) {
    for (int run = 0; run < 2; ++run) {  // the second run reuses the JIT's thread state
      auto r = (*exe)->run(request_for(nullptr));
      ASSERT_TRUE(r.has_value()) << r.error().to_string();
      EXPECT_EQ(*r, want);
    }
  }
}

VerifyOptions stack_of(uint32_t size, bool divided = false) {
  VerifyOptions o;
  o.max_stack = size;
  o.divided_stack = divided;
  return o;
}

TEST(BigStack, FramesOfFourKilobytes) { expect_verified_engines(kTwoBigFrames, stack_of(8192), 4096, 1100 + 3); }
TEST(BigStack, StackArgumentsBetweenLargeFrames) {
  expect_verified_engines(kStackArgsBigFrames, stack_of(8192), 2048, kStackArgsBigFramesResult);
}
TEST(BigStack, CallbackFramesBelowLargeFrames) {
  expect_verified_engines(kCallbackBigFrames, stack_of(2048), 1024, 1 + 2 + 3);
}
TEST(BigStack, EightDividedFrames) { expect_verified_engines(kEightDividedFrames, stack_of(1024, true), 1024, 255); }

// A program of 512-byte frames runs in the engines' own frames, and a
// large-frame run between two of them leaves them working.
TEST(BigStack, DefaultFramesAroundALargeRun) {
  expect_verified_engines("r1 = 5\n*(u64 *)(r10 - 512) = r1\nr0 = *(u64 *)(r10 - 512)\nexit\n", {}, 512, 5);
  expect_verified_engines(kTwoBigFrames, stack_of(8192), 4096, 1103);
  expect_verified_engines("r1 = 6\n*(u64 *)(r10 - 512) = r1\nr0 = *(u64 *)(r10 - 512)\nexit\n", {}, 512, 6);
}

}  // namespace
}  // namespace decade::jit::test
