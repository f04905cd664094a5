// SPDX-License-Identifier: Apache-2.0
// Compile time in microseconds per BPF instruction. Prints the figure for
// docs/jit.md and the bench; asserts only that compiling works (no timed
// assertions in unit tests).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "jit_test_util.hpp"

namespace decade::jit::test {
namespace {

// A mix like compiled C: ALU with registers and immediates, stack loads and
// stores, forward branches, a few 64-bit constants.
Program big_program(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Insn> v;
  for (uint8_t r = 0; r <= 9; ++r) v.push_back(mov64(r, static_cast<int32_t>(rng())));
  const Op alu[] = {Op::ADD64_REG, Op::SUB64_IMM, Op::XOR64_REG, Op::AND32_IMM, Op::LSH64_IMM, Op::MUL64_REG,
                    Op::OR64_REG, Op::RSH32_IMM, Op::MOV64_REG, Op::ADD32_REG};
  while (v.size() < n) {
    const uint8_t d = static_cast<uint8_t>(rng() % 10), s = static_cast<uint8_t>(rng() % 10);
    switch (rng() % 8) {
      case 0: v.push_back(make_insn(Op::STXDW, 10, s, static_cast<int16_t>(-8 * (1 + rng() % 32)))); break;
      case 1: v.push_back(make_insn(Op::LDXDW, d, 10, static_cast<int16_t>(-8 * (1 + rng() % 32)))); break;
      case 2: v.push_back(make_insn(Op::JGT64_REG, d, s, 0)); break;
      case 3: v.push_back(make_insn(Op::LDDW, d, 0, 0, 0, rng() * 0x100000001ULL)); break;
      default: {
        const Op op = alu[rng() % std::size(alu)];
        const bool reg = info(op).shape == Shape::AluReg;
        v.push_back(make_insn(op, d, reg ? s : 0, 0, reg ? 0 : static_cast<int32_t>(rng() % 31 + 1)));
      }
    }
  }
  v.push_back(exit_insn());
  return program_of(v);
}

TEST(JitCompileTime, MicrosecondsPerInstruction) {
  const Program p = big_program(20'000, 7);
  {
    const bool checked = true;
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 5; ++i) {
      auto exe = compile_checked(p, env_of());
      ASSERT_TRUE(exe.has_value()) << exe.error().to_string();
      best = std::min(best, inspect(**exe)->compile_ns);
    }
    std::printf("jit compile time: %.3f us per BPF instruction (%zu instructions, best of 5, checked=%d)\n",
                static_cast<double>(best) / 1000.0 / static_cast<double>(p.insns.size()), p.insns.size(), checked);
  }
}

}  // namespace
}  // namespace decade::jit::test
