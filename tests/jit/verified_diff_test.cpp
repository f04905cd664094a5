// SPDX-License-Identifier: Apache-2.0
// Differential test of the engines on verified programs: random programs
// of every shape from the verifier fuzzer's generator (fuzz/gen_shapes.hpp);
// every one the verifier accepts runs in the checked interpreter, the
// verified interpreter (superinstructions, result forwarding, unchecked
// proven accesses) and the verified JIT, which must agree on r0, the
// context, the map value and the packet. fuzz_verifier runs the same oracle
// on fuzzed inputs.
#include <gtest/gtest.h>

#include <random>

#include "../../fuzz/verifier_gen.hpp"

namespace decade::test {
namespace {

using fuzzgen::Kind;

// Shapes left out of the slice while a hole of issue 11 is open (see
// tests/verifier/soundness_test.cpp).
bool slice_skips(Kind k) {
  // Point 7: creating a map near the limits aborts with std::bad_alloc or
  // commits gigabytes (fuzz_verifier finds it within seconds).
  return k == Kind::HugeMap;
}

// Cases on the ground of a point of issue 11 still open, left out of the
// slice until its fix lands (then drop the point here): each fails the
// slice, or kills it, within the first few hundred programs.
//  1: `meta + N <= data + N` lets the program read meta[0, N)
//  2: an xdp program tail-calls a sched_cls one (context overrun)
//  3: bpf_for_each_map_elem callbacks write through or keep the key
//  4: writes through bpf_iter_num_next's element rewind the loop
//  5: packet pointers trusted after a tail call in a subprogram
//  6: bpf_probe_read_* of host memory from xdp, tc and plain programs
//  9: a program tail-calling itself through a host-filled prog_array
//     overflows the interpreter's host stack
constexpr uint32_t kOpenPoints = fuzzgen::point(1) | fuzzgen::point(2) | fuzzgen::point(3) | fuzzgen::point(4) |
                                 fuzzgen::point(5) | fuzzgen::point(6) | fuzzgen::point(9);

}  // namespace

TEST(VerifiedEngines, AgreeOnRandomAcceptedPrograms) {
  fuzzgen::World world;
  std::mt19937_64 rng(20261204);
  int compared[size_t(Kind::Count)] = {};
  int total = 0;
  for (int i = 0; i < 16000; ++i) {
    std::vector<uint8_t> bytes(8 * (1 + rng() % 32) + 1);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    if (slice_skips(fuzzgen::kind_of(bytes.data(), bytes.size()))) continue;
    auto c = fuzzgen::build_case(world, bytes.data(), bytes.size());
    if (!c || (c->issue_points & kOpenPoints)) continue;
    std::string why;
    const auto v = fuzzgen::check_engines(world, *c, bytes.data(), bytes.size(), &why);
    ASSERT_NE(v, fuzzgen::Verdict::Bug) << "program " << i << " (" << fuzzgen::kind_name(c->kind) << " " << c->note
                                        << "): " << why;
    if (v == fuzzgen::Verdict::Ran) compared[size_t(c->kind)]++, total++;
  }
  for (size_t k = 0; k < size_t(Kind::Count); ++k)
    std::printf("verified engines %-10s %5d accepted programs compared\n", fuzzgen::kind_name(Kind(k)), compared[k]);
  EXPECT_GT(total, 300);
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
