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

// fuzz_verifier's first find: the verifier kept r1 across a bpf_fastcall
// helper (bpf_get_smp_processor_id) and accepted a store through it after
// the call; the interpreter still had the context there, the JIT did not.
TEST(VerifiedEngines, FastcallHelperClobbersR1) {
  const uint8_t input[] = {0xa4, 0xa2, 0x6d, 0x74, 0x6d, 0x41, 0x00, 0x00, 0x71, 0x01, 0x00,
                           0x7f, 0xf4, 0x0a, 0x12, 0x27, 0x20};
  fuzzgen::World world;
  auto prog = fuzzgen::build(input, sizeof input);
  ASSERT_TRUE(prog.has_value());
  std::string why;
  EXPECT_EQ(fuzzgen::check_engines(world, *prog, input, sizeof input, &why), fuzzgen::Verdict::Rejected) << why;
}

}  // namespace decade::test
