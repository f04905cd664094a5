// SPDX-License-Identifier: Apache-2.0
// A deterministic slice of the verifier soundness fuzzer: many random
// programs of every shape (fuzz/gen_shapes.hpp), every accepted one run in
// the checked interpreter, which must neither fault nor let it read host
// memory. Prints how many programs of each shape were generated and accepted.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "../../fuzz/verifier_gen.hpp"

namespace decade::test {

using fuzzgen::Kind;

TEST(VerifierSoundness, RandomProgramsRunSafely) {
  fuzzgen::World world;
  std::mt19937_64 rng(2026);
  int made[size_t(Kind::Count)] = {}, accepted[size_t(Kind::Count)] = {};
  int total = 0, per_point[10] = {}, with_stack_args = 0, with_alloca = 0;
  for (int i = 0; i < 12000; ++i) {
    std::vector<uint8_t> bytes(8 * (1 + rng() % 24) + 1);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    auto c = fuzzgen::build_case(world, bytes.data(), bytes.size());
    if (!c) continue;
    made[size_t(c->kind)]++;
    for (int n = 1; n < 10; ++n) per_point[n] += (c->issue_points & fuzzgen::point(n)) != 0;
    std::string why;
    const auto v = fuzzgen::check(world, *c, bytes.data(), bytes.size(), &why);
    ASSERT_NE(v, fuzzgen::Verdict::Bug) << "program " << i << " (" << fuzzgen::kind_name(c->kind) << " " << c->note
                                        << "): " << why;
    if (v == fuzzgen::Verdict::Ran) accepted[size_t(c->kind)]++, total++;
    const auto passes_stack_args = [](const Insn& in) { return in.info().sem == Sem::StxArg || in.info().sem == Sem::StArg; };
    if (v == fuzzgen::Verdict::Ran && std::any_of(c->prog.insns.begin(), c->prog.insns.end(), passes_stack_args))
      ++with_stack_args;
    const auto allocates = [](const Insn& in) { return in.info().sem == Sem::Alloca; };
    if (v == fuzzgen::Verdict::Ran && std::any_of(c->prog.insns.begin(), c->prog.insns.end(), allocates)) ++with_alloca;
  }
  std::printf("soundness: %d accepted programs pass stack arguments (r11)\n", with_stack_args);
  // The plain shape's calls with stack arguments (the stackargs extension) are verified and run.
  EXPECT_GT(with_stack_args, 0);
  // Random alloca rows (the alloca extension) are verified and, accepted,
  // run in the checked interpreter at the verifier's placement.
  std::printf("soundness: %d accepted programs allocate (alloca)\n", with_alloca);
  EXPECT_GT(with_alloca, 0);
  for (size_t k = 0; k < size_t(Kind::Count); ++k)
    std::printf("soundness %-10s %5d generated %5d accepted and run\n", fuzzgen::kind_name(Kind(k)), made[k], accepted[k]);
  EXPECT_GT(total, 200);
  // Every shape yields programs the verifier accepts, so each is run (the
  // throw and lock shapes are what reach the unwinding).
  for (size_t k = 0; k < size_t(Kind::Count); ++k)
    EXPECT_GT(accepted[k], 0) << "no accepted program of shape " << fuzzgen::kind_name(Kind(k));
  // The generator keeps reproducing the patterns of the escapes it found
  // (fuzz/corpus/verifier/issue11-*), which the verifier now rejects.
  for (int n : {1, 2, 3, 4, 5, 6, 7, 9}) EXPECT_GT(per_point[n], 0) << "no program with the pattern of point " << n;
}

}  // namespace decade::test
