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

const char* const kReachNames[] = {"sock lookup+release", "bpf_check_mtu", "bpf_strtol", "bpf_strtoul",
                                   "ns_current_pid_tgid", "bpf_trace_vprintk", "stack > 512", "divstack sum > size",
                                   "write-only map store"};

// Counts an accepted case under each of kReachNames it uses.
void count_reach(fuzzgen::World& world, const fuzzgen::Case& c, int* reach) {
  auto calls = [&](int32_t id) {
    return std::any_of(c.prog.insns.begin(), c.prog.insns.end(),
                       [&](const Insn& in) { return in.info().shape == Shape::CallHelper && in.imm == id; });
  };
  reach[0] += calls(fuzzgen::kCallSkRelease) && fuzzgen::uses_sockets(c.prog);
  reach[1] += calls(fuzzgen::kCallCheckMtu);
  reach[2] += calls(fuzzgen::kCallStrtol);
  reach[3] += calls(fuzzgen::kCallStrtoul);
  reach[4] += calls(fuzzgen::kCallNsPid);
  reach[5] += calls(fuzzgen::kCallVprintk);
  reach[8] += c.kind == Kind::Wronly;
  if (c.kind != Kind::Stack) return;
  auto v = fuzzgen::verify_in(world, c);
  if (!v) return;
  const auto& depth = v->program->stack_depth();
  uint64_t sum = 0, deepest = 0;
  for (const uint32_t d : depth) sum += d, deepest = std::max<uint64_t>(deepest, d);
  reach[6] += deepest > 512;
  reach[7] += c.divided_stack && sum > c.max_stack;
}

TEST(VerifierSoundness, RandomProgramsRunSafely) {
  fuzzgen::World world;
  std::mt19937_64 rng(2026);
  int made[size_t(Kind::Count)] = {}, accepted[size_t(Kind::Count)] = {};
  int total = 0, per_point[10] = {}, with_stack_args = 0, with_alloca = 0, reach[std::size(kReachNames)] = {};
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
    if (v == fuzzgen::Verdict::Ran) count_reach(world, *c, reach);
  }
  // What fuzz/gen_reach.hpp adds is verified and run: socket map lookups
  // released, bpf_check_mtu, bpf_strtol / _strtoul, bpf_get_ns_current_pid_tgid,
  // bpf_trace_vprintk, frames deeper than 512 bytes, divided frames whose
  // sum exceeds the stack size, stores into a write-only map.
  for (size_t k = 0; k < std::size(kReachNames); ++k) {
    std::printf("soundness reach %-22s %5d accepted and run\n", kReachNames[k], reach[k]);
    EXPECT_GT(reach[k], 0) << "no accepted program uses " << kReachNames[k];
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
