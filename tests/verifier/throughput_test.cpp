// SPDX-License-Identifier: Apache-2.0
// Reports verification throughput on loop-heavy programs (no timing
// assertions: the numbers are printed for the record) and checks the budget.
#include <cstdio>

#include "verifier_test_util.hpp"

namespace decade::test {

TEST(VerifierThroughput, LongBoundedLoop) {
  VerifierEnv env;
  // Two nested counted loops: about 300k processed instructions.
  auto r = env.verify_text(
      "r1 = 0\nouter: r2 = 0\ninner: r2 += 1\nr3 = r2\nr3 &= 7\nif r2 < 1000 goto inner\nr1 += 1\n"
      "if r1 < 50 goto outer\nr0 = 0\nexit\n");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  const VerifierStats& s = r->program->stats();
  EXPECT_GT(s.insns_processed, 200000u);
  std::printf("verified %llu insns in %.2f ms: %.2f M insns/s, %llu states stored\n",
              static_cast<unsigned long long>(s.insns_processed), s.time_ns / 1e6,
              s.time_ns ? s.insns_processed * 1e3 / static_cast<double>(s.time_ns) : 0.0,
              static_cast<unsigned long long>(s.states_stored));
}

TEST(VerifierThroughput, BudgetExhausted) {
  VerifierEnv env;
  VerifyOptions opts;
  opts.max_insns_processed = 10000;
  auto r = env.verify_text("r1 = 0\nl: r1 += 1\nif r1 != 0 goto l\nr0 = 0\nexit\n", "xdp", opts);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::VerifierBudget);
}

TEST(VerifierThroughput, LogLevels) {
  VerifierEnv env;
  VerifyOptions opts;
  opts.log_level = 2;
  auto r = env.verify_text("r0 = 1\nif r0 == 1 goto +1\nr0 = 2\nexit\n", "xdp", opts);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->log.empty());
  auto bad = env.verify_text("r0 = *(u64 *)(r10 - 8)\nexit\n", "xdp", opts);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::VerifierUninitStack);
  EXPECT_FALSE(bad.error().hint.empty());
  EXPECT_EQ(bad.error().where.line, 1u);  // the assembly line
}

}  // namespace decade::test
