// SPDX-License-Identifier: Apache-2.0
// Differential testing: random structurally valid programs (straight-line
// code, forward branches, counted loops, every ALU/memory/atomic row) run
// under interp::compile_checked and jit::compile_checked must give the same
// r0, the same memory, or the same error.
#include <gtest/gtest.h>

#include <random>

#include "jit_test_util.hpp"
#include "random_program.hpp"

namespace decade::jit::test {
namespace {

struct Outcome {
  Result<uint64_t> r0;
  std::vector<uint8_t> mem;
};

Outcome run_one(bool jit, const Program& prog, const std::vector<uint8_t>& mem0, const JitOptions& opts) {
  Outcome o{make_error(ErrorCode::Internal, "not run"), mem0};
  auto exe = jit ? compile_checked(prog, env_of(), opts) : interp::compile_checked(prog, env_of());
  if (!exe) {
    o.r0 = std::unexpected(exe.error());
    return o;
  }
  o.r0 = (*exe)->run(request_for(&o.mem));
  return o;
}

TEST(JitDiff, RandomProgramsMatchTheInterpreter) {
  std::mt19937 rng(20261125);
  size_t compared = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    RandomProgram gen([&](uint32_t n) { return static_cast<uint32_t>(rng() % n); });
    const auto raw = gen.generate(40 + iter % 60);
    auto prog = decode(std::span<const RawInsn>(raw));
    ASSERT_TRUE(prog.has_value()) << prog.error().to_string();
    std::vector<uint8_t> mem(kRandomMemSize);
    for (auto& b : mem) b = static_cast<uint8_t>(rng());
    const JitOptions opts{iter % 4 == 0};
    const Outcome a = run_one(false, *prog, mem, opts), b = run_one(true, *prog, mem, opts);
    ASSERT_EQ(a.r0.has_value(), b.r0.has_value())
        << "iteration " << iter << ": " << (a.r0 ? "" : a.r0.error().to_string()) << (b.r0 ? "" : b.r0.error().to_string());
    if (a.r0) {
      ASSERT_EQ(*a.r0, *b.r0) << "iteration " << iter;
    } else {
      ASSERT_EQ(a.r0.error().code, b.r0.error().code) << "iteration " << iter;
    }
    ASSERT_EQ(a.mem, b.mem) << "iteration " << iter;
    ++compared;
  }
  EXPECT_EQ(compared, 3000u);
}

}  // namespace
}  // namespace decade::jit::test
