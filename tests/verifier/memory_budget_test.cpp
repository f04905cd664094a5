// SPDX-License-Identifier: Apache-2.0
// The verifier's memory budget (VerifyOptions::max_memory): exploration that
// keeps growing stops with VerifierMemoryLimit at the instruction where the
// budget ran out, whatever the instruction budget; stored states and pending
// paths both count.
#include <chrono>
#include <string>

#include "verifier_test_util.hpp"

namespace decade::test {
namespace {

// A counter nothing bounds before it wraps: every iteration is a new state
// at the loop head (insn 1), 2^64 of them.
constexpr const char* kEndlessCounter = "r1 = 0\nl: r1 += 1\nif r1 != 0 goto l\nr0 = 0\nexit\n";

// `n` undecided branches in a row, with the whole stack written: every one
// leaves a pending path holding a full frame until the first path ends.
std::string branch_chain(int n) {
  std::string s = "call 7\nr6 = r0\nr1 = 0\n";
  for (int off = 8; off <= 512; off += 8) s += "*(u64 *)(r10 - " + std::to_string(off) + ") = r1\n";
  for (int i = 0; i < n; ++i) s += "if r6 == " + std::to_string(i) + " goto out\nr6 += 1\n";
  return s + "out: r0 = 0\nexit\n";
}

}  // namespace

TEST(VerifierMemory, SmallBudgetStopsAtTheLoopQuickly) {
  VerifierEnv env;
  VerifyOptions opts;
  opts.max_insns_processed = 100'000'000;
  opts.max_memory = 1u << 20;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = env.verify_text(kEndlessCounter, "xdp", opts);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::VerifierMemoryLimit) << r.error().to_string();
  EXPECT_EQ(r.error().insn, 1);
  EXPECT_LT(ms, 5000) << "a 1 MiB budget took " << ms << " ms to run out";
}

TEST(VerifierMemory, DefaultBudgetIsOneGiB) {
  EXPECT_EQ(VerifyOptions{}.max_memory, uint64_t{1} << 30);
}

TEST(VerifierMemory, PeakIsReportedAndBudgetIsInclusive) {
  VerifierEnv env;
  auto ok = env.verify_text("r1 = 0\nl: r1 += 1\nif r1 < 1000 goto l\nr0 = 0\nexit\n", "xdp");
  ASSERT_TRUE(ok.has_value()) << ok.error().to_string();
  const uint64_t peak = ok->program->stats().peak_memory;
  EXPECT_GT(peak, 1000u * 64);  // a thousand stored states at least
  VerifyOptions opts;
  opts.max_memory = peak;
  EXPECT_TRUE(env.verify_text("r1 = 0\nl: r1 += 1\nif r1 < 1000 goto l\nr0 = 0\nexit\n", "xdp", opts).has_value());
  opts.max_memory = peak - 1;
  auto r = env.verify_text("r1 = 0\nl: r1 += 1\nif r1 < 1000 goto l\nr0 = 0\nexit\n", "xdp", opts);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::VerifierMemoryLimit);
}

TEST(VerifierMemory, PendingPathsCount) {
  VerifierEnv env;
  const int kBranches = 400;
  const std::string text = branch_chain(kBranches);
  auto ok = env.verify_text(text, "xdp");
  ASSERT_TRUE(ok.has_value()) << ok.error().to_string();
  // A stored state at each branch and a pending path after it both hold
  // 64 spilled slots (104 bytes each): twice that per branch is more than
  // the stored states take alone, even rounded up to the pool's 2 MiB chunks.
  EXPECT_GT(ok->program->stats().peak_memory, uint64_t{kBranches} * 2 * 64 * 104);
  VerifyOptions opts;
  opts.max_memory = ok->program->stats().peak_memory / 2;
  auto r = env.verify_text(text, "xdp", opts);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::VerifierMemoryLimit) << r.error().to_string();
  // Inside the chain of branches (insns 67 .. 67 + 2 * kBranches).
  EXPECT_GE(r.error().insn, 67);
  EXPECT_LT(r.error().insn, 67 + 2 * kBranches);
}

}  // namespace decade::test
