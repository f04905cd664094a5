// SPDX-License-Identifier: Apache-2.0
// A deterministic slice of the verifier soundness fuzzer: many random
// programs of every shape (fuzz/gen_shapes.hpp), every accepted one run in
// the checked interpreter, which must neither fault nor let it read host
// memory. Prints how many programs of each shape were generated and accepted.
#include <gtest/gtest.h>

#include <random>

#include "../../fuzz/verifier_gen.hpp"

namespace decade::test {
namespace {

using fuzzgen::Kind;

// Shapes left out of the slice while a hole of issue 11 is open (each
// would stop the slice or the host at its first find); the fuzzer runs them.
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

TEST(VerifierSoundness, RandomProgramsRunSafely) {
  fuzzgen::World world;
  std::mt19937_64 rng(2026);
  int made[size_t(Kind::Count)] = {}, accepted[size_t(Kind::Count)] = {};
  int total = 0;
  for (int i = 0; i < 12000; ++i) {
    std::vector<uint8_t> bytes(8 * (1 + rng() % 24) + 1);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    if (slice_skips(fuzzgen::kind_of(bytes.data(), bytes.size()))) continue;
    auto c = fuzzgen::build_case(world, bytes.data(), bytes.size());
    if (!c || (c->issue_points & kOpenPoints)) continue;
    made[size_t(c->kind)]++;
    std::string why;
    const auto v = fuzzgen::check(world, *c, bytes.data(), bytes.size(), &why);
    ASSERT_NE(v, fuzzgen::Verdict::Bug) << "program " << i << " (" << fuzzgen::kind_name(c->kind) << " " << c->note
                                        << "): " << why;
    if (v == fuzzgen::Verdict::Ran) accepted[size_t(c->kind)]++, total++;
  }
  for (size_t k = 0; k < size_t(Kind::Count); ++k)
    std::printf("soundness %-10s %5d generated %5d accepted and run\n", fuzzgen::kind_name(Kind(k)), made[k], accepted[k]);
  EXPECT_GT(total, 200);
}

}  // namespace decade::test
