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

// fuzz_verifier's helper shape: bpf_strtol of a string with no digits left
// its result slot (an unwritten stack slot the verifier counts as written
// by the call) as it was, so the verified engines returned whatever an
// earlier program had left there; the checked run, on a zeroed stack, 0.
// The kernel's helper zeroes the result first, and so does Decade's now.
TEST(VerifiedEngines, FailedStrtolZeroesItsResult) {
  fuzzgen::World world;
  fuzzgen::Asm dirty;  // leaves 0x5a5a5a5a at fp-64 in every engine's stack
  fuzzgen::plain_prologue(dirty, fuzzgen::kMapArray);
  dirty.emit(make_insn(Op::STDW, 10, 0, -64, 0x5a5a5a5a));
  fuzzgen::ret(dirty, 0);
  auto prog = dirty.finish();
  ASSERT_TRUE(prog.has_value());
  std::string why;
  ASSERT_EQ(fuzzgen::check_engines(world, *prog, nullptr, 0, &why), fuzzgen::Verdict::Ran) << why;
  for (const uint8_t call : {1, 2}) {  // strtol, strtoul
    // helper shape, the call, a stack string of 16 'g', the result at fp-64, length 8, base 10
    std::vector<uint8_t> input = {static_cast<uint8_t>(fuzzgen::Kind::Helper), call, 0};
    input.insert(input.end(), 16, 20);
    input.insert(input.end(), {0, 3, 2});
    auto c = fuzzgen::build_case(world, input.data(), input.size());
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(fuzzgen::check_engines(world, *c, input.data(), input.size(), &why), fuzzgen::Verdict::Ran)
        << c->note << ": " << why;
  }
}

}  // namespace decade::test
