// SPDX-License-Identifier: Apache-2.0
// The verified path: jit::compile of a VerifiedProgram gives the same
// results as checked mode, and leaves out the checks the proof covers.
#include <gtest/gtest.h>

#include "jit_test_util.hpp"
#include "verifier/verifier.hpp"

namespace decade::jit::test {
namespace {

std::shared_ptr<const VerifiedProgram> verified(const Program& p) {
  VerifyInput in;
  in.program = &p;
  in.platform = &standard_platform();
  in.type = standard_platform().program_type("raw");
  auto r = verify(in);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
  return r ? r->program : nullptr;
}

const char* kPrograms[] = {
    "mov %r0, 0\nmov %r2, 10\nstdw [%r10-8], 3\nl:\nldxdw %r3, [%r10-8]\nadd %r0, %r3\nsub %r2, 1\njne %r2, 0, l\nexit",
    "mov %r6, 7\nmov %r7, 3\ndiv %r6, %r7\nmod %r7, 2\nmov %r0, %r6\nlsh %r0, 8\nor %r0, %r7\nexit",
    "call 5\nmov %r6, %r0\ncall 8\nmov %r0, 11\nexit",
    "mov %r1, 2\ncall local f\nadd %r0, 1\nexit\nf:\nstdw [%r10-16], 40\nldxdw %r0, [%r10-16]\nadd %r0, %r1\nexit",
};

TEST(JitVerified, SameResultsAsChecked) {
  for (const char* text : kPrograms) {
    const Program p = assembled(text);
    auto vp = verified(p);
    ASSERT_TRUE(vp) << text;
    auto fast = compile(vp, env_of());
    ASSERT_TRUE(fast.has_value()) << fast.error().to_string();
    auto slow = compile_checked(p, env_of());
    ASSERT_TRUE(slow.has_value());
    auto a = (*fast)->run(request_for(nullptr)), b = (*slow)->run(request_for(nullptr));
    ASSERT_TRUE(a.has_value()) << text << ": " << a.error().to_string();
    ASSERT_TRUE(b.has_value()) << text << ": " << b.error().to_string();
    EXPECT_EQ(*a, *b) << text;
  }
}

// A proven stack access through a register and a divide by a proven
// non-zero register compile to less code than their checked forms.
TEST(JitVerified, ProvenChecksAreLeftOut) {
  const Program p = assembled("mov %r2, %r10\nadd %r2, -8\nstdw [%r2+0], 1\nmov %r3, 5\nmov %r0, 9\ndiv %r0, %r3\nexit");
  auto vp = verified(p);
  ASSERT_TRUE(vp);
  auto fast = compile(vp, env_of());
  auto slow = compile_checked(p, env_of());
  ASSERT_TRUE(fast.has_value() && slow.has_value());
  const auto fi = inspect(**fast), si = inspect(**slow);
  auto size_of = [](const CodeInfo& ci, int32_t slot) {
    for (size_t i = 0; i + 1 < ci.pc_map.size(); ++i)
      if (ci.pc_map[i].slot == slot) return ci.pc_map[i + 1].offset - ci.pc_map[i].offset;
    return 0u;
  };
  if (vp->facts()[2].mem_access_safe) {
    EXPECT_LT(size_of(*fi, 2), size_of(*si, 2));
  }
  if (vp->facts()[5].div_nonzero) {
    EXPECT_LT(size_of(*fi, 5), size_of(*si, 5));
  }
  std::printf("verifier facts: store safe=%d, divisor non-zero=%d\n", vp->facts()[2].mem_access_safe,
              vp->facts()[5].div_nonzero);
  EXPECT_LE(fi->code.size(), si->code.size());
}

}  // namespace
}  // namespace decade::jit::test
