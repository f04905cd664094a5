// SPDX-License-Identifier: Apache-2.0
// A deterministic slice of the verifier soundness fuzzer: many random
// programs, every accepted one run in the checked interpreter.
#include <gtest/gtest.h>

#include <random>

#include "../../fuzz/verifier_gen.hpp"

namespace decade::test {

TEST(VerifierSoundness, RandomProgramsRunSafely) {
  fuzzgen::World world;
  std::mt19937_64 rng(2026);
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> bytes(8 * (1 + rng() % 24));
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    auto prog = fuzzgen::build(bytes.data(), bytes.size());
    if (!prog) continue;
    std::string why;
    const auto v = fuzzgen::check(world, *prog, bytes.data(), bytes.size(), &why);
    ASSERT_NE(v, fuzzgen::Verdict::Bug) << "program " << i << ": " << why;
    (v == fuzzgen::Verdict::Ran ? accepted : rejected)++;
  }
  std::printf("soundness: %d accepted and run, %d rejected\n", accepted, rejected);
  EXPECT_GT(accepted, 50);
}

}  // namespace decade::test
