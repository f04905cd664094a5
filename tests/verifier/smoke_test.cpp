// SPDX-License-Identifier: Apache-2.0
#include "verifier_test_util.hpp"

namespace decade::test {

TEST(VerifierSmoke, ReturnConstant) {
  VerifierEnv env;
  auto r = env.verify_text("r0 = 2\nexit\n");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->program->stats().insns_processed, 2u);
}

TEST(VerifierSmoke, MapLookupNullCheck) {
  VerifierEnv env;
  const char* ok_text =
      "r1 = 0\n"
      "*(u32 *)(r10 - 4) = r1\n"
      "r2 = r10\n"
      "r2 += -4\n"
      "r1 = map_idx(0) ll\n"
      "call 1\n"
      "if r0 == 0 goto out\n"
      "r1 = *(u64 *)(r0 + 0)\n"
      "out:\n"
      "r0 = 2\n"
      "exit\n";
  auto r = env.verify_text(ok_text);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  const char* bad_text =
      "r1 = 0\n"
      "*(u32 *)(r10 - 4) = r1\n"
      "r2 = r10\n"
      "r2 += -4\n"
      "r1 = map_idx(0) ll\n"
      "call 1\n"
      "r1 = *(u64 *)(r0 + 0)\n"
      "r0 = 2\n"
      "exit\n";
  auto b = env.verify_text(bad_text);
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code, ErrorCode::VerifierNullDeref) << b.error().to_string();
  EXPECT_EQ(b.error().insn, 7);
}

}  // namespace decade::test
