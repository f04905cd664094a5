// SPDX-License-Identifier: Apache-2.0
// State pruning: precision (values nothing safety-relevant depends on are
// compared as "any scalar", values something depends on stay exact) and the
// raw program type's proven memory (r2 = the length of the memory at r1).
#include "verifier_test_util.hpp"

namespace decade::test {
namespace {

// Two paths reach `join` with r6 = 1 (explored first) and r6 = 100; what
// follows decides whether r6's value matters there.
std::string two_values(const std::string& tail) {
  return "call 7\n"                 // 0: r0 = bpf_get_prandom_u32()
         "r6 = 1\n"                 // 1
         "if r0 > 10 goto big\n"    // 2
         "goto join\n"              // 3
         "big: r6 = 100\n"          // 4
         "join: r7 = 0\n"           // 5
         "*(u64 *)(r10 - 8) = r7\n" // 6
         + tail;
}

}  // namespace

TEST(VerifierPrecision, DataDependentAccumulatorConverges) {
  VerifierEnv env;
  // A checksum whose value depends on data on every iteration: without
  // precision every iteration doubles the states (2^60 paths).
  auto r = env.verify_text(
      "if r2 < 64 goto out\n"
      "r6 = 0\nr7 = 0\n"
      "loop: r3 = r1\nr3 += r7\nr4 = *(u8 *)(r3 + 0)\n"
      "if r4 > 100 goto skip\nr6 += r4\nr6 *= 3\n"
      "skip: r6 ^= 90\nr7 += 1\nif r7 < 60 goto loop\n"
      "r0 = r6\nexit\nout: r0 = 0\nexit\n",
      "raw");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_LT(r->program->stats().insns_processed, 20000u);
}

TEST(VerifierPrecision, SpilledAccumulatorConverges) {
  VerifierEnv env;
  // The same with the checksum kept in a stack slot between iterations.
  auto r = env.verify_text(
      "if r2 < 64 goto out\n"
      "r6 = 0\n*(u64 *)(r10 - 8) = r6\nr7 = 0\n"
      "loop: r3 = r1\nr3 += r7\nr4 = *(u8 *)(r3 + 0)\nr6 = *(u64 *)(r10 - 8)\n"
      "if r4 > 100 goto skip\nr6 += r4\n"
      "skip: r6 ^= 90\n*(u64 *)(r10 - 8) = r6\nr7 += 1\nif r7 < 60 goto loop\n"
      "r0 = *(u64 *)(r10 - 8)\nexit\nout: r0 = 0\nexit\n",
      "raw");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_LT(r->program->stats().insns_processed, 20000u);
}

TEST(VerifierPrecision, PointerOffsetStaysPrecise) {
  VerifierEnv env;
  // r6 = 100 makes the store land above the frame: rejected at insn 10.
  auto r = env.verify_text(two_values("r1 = r10\nr1 += -16\nr1 += r6\n*(u8 *)(r1 + 0) = 0\nr0 = 0\nexit\n"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::VerifierOutOfBounds);
  EXPECT_EQ(r.error().insn, 10);
  // The same with a safe second value is accepted.
  auto ok = env.verify_text(two_values("r6 &= 7\nr1 = r10\nr1 += -16\nr1 += r6\n*(u8 *)(r1 + 0) = 0\nr0 = 0\nexit\n"));
  EXPECT_TRUE(ok.has_value()) << ok.error().to_string();
}

TEST(VerifierPrecision, BranchOperandStaysPrecise) {
  VerifierEnv env;
  // r6 = 100 takes the branch to a read of an uninitialised stack slot.
  auto r = env.verify_text(two_values("if r6 > 50 goto bad\nr0 = 0\nexit\nbad: r0 = *(u64 *)(r10 - 16)\nexit\n"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::VerifierUninitStack);
  EXPECT_EQ(r.error().insn, 10);
}

TEST(VerifierPrecision, SpilledValueStaysPrecise) {
  VerifierEnv env;
  // The value goes through a stack slot before it becomes an offset.
  auto r = env.verify_text(
      two_values("*(u64 *)(r10 - 16) = r6\nr6 = 0\nr8 = *(u64 *)(r10 - 16)\n"
                 "r1 = r10\nr1 += -24\nr1 += r8\n*(u8 *)(r1 + 0) = 0\nr0 = 0\nexit\n"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::VerifierOutOfBounds);
  EXPECT_EQ(r.error().insn, 13);
}

TEST(VerifierPrecision, DivisorFactStaysPrecise) {
  VerifierEnv env;
  // r6 = 0 on the second path: the division is not proven non-zero.
  auto r = env.verify_text(
      "call 7\nr6 = 1\nif r0 > 10 goto zero\ngoto join\nzero: r6 = 0\njoin: r7 = 0\nr0 = 7\nr0 /= r6\nr0 = 0\nexit\n");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_FALSE(r->program->facts()[7].div_nonzero);
}

TEST(VerifierPrecision, RestrictedReturnValueStaysPrecise) {
  VerifierEnv env;
  // A bpf_loop callback must return 0 or 1: r0 = 5 on the second path is rejected.
  auto r = env.verify_text(
      "r1 = 10\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\nr0 = 2\nexit\n"
      "cb: call 7\nr6 = 1\nif r0 > 10 goto big\ngoto join\nbig: r6 = 5\njoin: r7 = 0\nr0 = r6\nexit\n");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::VerifierBadCallback);
  EXPECT_EQ(r.error().insn, 15);
}

TEST(VerifierPrecision, HelperArgumentStaysPrecise) {
  VerifierEnv env;
  // r6 becomes a size argument: 100 bytes do not fit the 8-byte buffer.
  auto r = env.verify_text(two_values("r1 = r10\nr1 += -8\nr2 = r6\nr3 = 0\ncall 4\nr0 = 0\nexit\n"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().insn, 11);
}

TEST(VerifierRawMemory, LengthCheckProvesAccesses) {
  VerifierEnv env;
  auto r = env.verify_text(
      "if r2 < 16 goto out\n"          // 0
      "r0 = *(u32 *)(r1 + 4)\n"        // 1: inside [0, 16)
      "r3 = *(u32 *)(r1 + 14)\n"       // 2: crosses 16
      "r4 = *(u8 *)(r1 + 0)\n"         // 3
      "r4 &= 7\n"                      // 4
      "r5 = r1\n"                      // 5
      "r5 += r4\n"                     // 6
      "r3 = *(u8 *)(r5 + 8)\n"         // 7: [8, 16)
      "r3 = *(u8 *)(r5 + 9)\n"         // 8: up to 17
      "exit\n"                         // 9
      "out: r0 = *(u8 *)(r1 + 0)\n"    // 10: no length known
      "exit\n",
      "raw");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  const auto& f = r->program->facts();
  EXPECT_TRUE(f[1].mem_access_safe);
  EXPECT_FALSE(f[2].mem_access_safe);
  EXPECT_TRUE(f[3].mem_access_safe);
  EXPECT_TRUE(f[7].mem_access_safe);
  EXPECT_FALSE(f[8].mem_access_safe);
  EXPECT_FALSE(f[10].mem_access_safe);
}

TEST(VerifierRawMemory, CopiesKeepTheIdentityOtherWritesDropIt) {
  VerifierEnv env;
  auto moved = env.verify_text("r3 = r2\n*(u64 *)(r10 - 8) = r3\nr4 = *(u64 *)(r10 - 8)\nif r4 < 8 goto out\n"
                               "r0 = *(u64 *)(r1 + 0)\nexit\nout: r0 = 0\nexit\n",
                               "raw");
  ASSERT_TRUE(moved.has_value()) << moved.error().to_string();
  EXPECT_TRUE(moved->program->facts()[4].mem_access_safe);
  auto changed = env.verify_text("r2 += 8\nif r2 < 16 goto out\nr0 = *(u64 *)(r1 + 0)\nexit\nout: r0 = 0\nexit\n", "raw");
  ASSERT_TRUE(changed.has_value()) << changed.error().to_string();
  EXPECT_FALSE(changed->program->facts()[2].mem_access_safe);
  auto negative = env.verify_text("if r2 < 16 goto out\nr1 += -4\nr0 = *(u32 *)(r1 + 2)\nexit\nout: r0 = 0\nexit\n", "raw");
  ASSERT_TRUE(negative.has_value()) << negative.error().to_string();
  EXPECT_FALSE(negative->program->facts()[2].mem_access_safe);
}

}  // namespace decade::test
