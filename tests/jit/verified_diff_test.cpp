// SPDX-License-Identifier: Apache-2.0
// Differential test of the engines on verified programs: random programs
// of every shape from the verifier fuzzer's generator (fuzz/gen_shapes.hpp);
// every one the verifier accepts runs in the checked interpreter, the
// verified interpreter (superinstructions, result forwarding, unchecked
// proven accesses) and the verified JIT, which must agree on r0, the
// context, the map value and the packet. fuzz_verifier runs the same oracle
// on fuzzed inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "../../fuzz/verifier_gen.hpp"

namespace decade::test {

using fuzzgen::Kind;

TEST(VerifiedEngines, AgreeOnRandomAcceptedPrograms) {
  fuzzgen::World world;
  std::mt19937_64 rng(20261204);
  int compared[size_t(Kind::Count)] = {};
  int total = 0;
  int fastcall = 0;  // compared programs with bpf_fastcall pairs removed (fuzz/verifier_gen.hpp: body_row)
  for (int i = 0; i < 16000; ++i) {
    std::vector<uint8_t> bytes(8 * (1 + rng() % 32) + 1);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    auto c = fuzzgen::build_case(world, bytes.data(), bytes.size());
    if (!c) continue;
    std::string why;
    const auto v = fuzzgen::check_engines(world, *c, bytes.data(), bytes.size(), &why);
    ASSERT_NE(v, fuzzgen::Verdict::Bug) << "program " << i << " (" << fuzzgen::kind_name(c->kind) << " " << c->note
                                        << "): " << why;
    if (v == fuzzgen::Verdict::Ran) compared[size_t(c->kind)]++, total++;
    if (v == fuzzgen::Verdict::Ran)
      if (auto vr = fuzzgen::verify_in(world, *c))
        fastcall += std::any_of(vr->program->facts().begin(), vr->program->facts().end(),
                                [](const InsnFacts& f) { return f.fastcall_dropped; });
  }
  for (size_t k = 0; k < size_t(Kind::Count); ++k)
    std::printf("verified engines %-10s %5d accepted programs compared\n", fuzzgen::kind_name(Kind(k)), compared[k]);
  std::printf("verified engines: %d of them with bpf_fastcall pairs removed\n", fastcall);
  EXPECT_GT(total, 300);
  EXPECT_GT(fastcall, 0);
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
