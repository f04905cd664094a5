// SPDX-License-Identifier: Apache-2.0
// Differential test of the engines on verified programs: random programs
// from the verifier fuzzer's generator (fuzz/verifier_gen.hpp); every one
// the verifier accepts runs in the checked interpreter, the verified
// interpreter (superinstructions, result forwarding, unchecked proven
// accesses) and the verified JIT, which must agree on r0, the context and
// the map value. fuzz_verifier runs the same oracle on fuzzed inputs.
#include <gtest/gtest.h>

#include <random>

#include "../../fuzz/verifier_gen.hpp"

namespace decade::test {

TEST(VerifiedEngines, AgreeOnRandomAcceptedPrograms) {
  fuzzgen::World world;
  std::mt19937_64 rng(20261204);
  int compared = 0;
  for (int i = 0; i < 8000; ++i) {
    std::vector<uint8_t> bytes(8 * (1 + rng() % 32));
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    auto prog = fuzzgen::build(bytes.data(), bytes.size());
    if (!prog) continue;
    std::string why;
    const auto v = fuzzgen::check_engines(world, *prog, bytes.data(), bytes.size(), &why);
    ASSERT_NE(v, fuzzgen::Verdict::Bug) << "program " << i << ": " << why;
    compared += v == fuzzgen::Verdict::Ran;
  }
  std::printf("verified engines: %d accepted programs compared\n", compared);
  EXPECT_GT(compared, 100);
}

}  // namespace decade::test
