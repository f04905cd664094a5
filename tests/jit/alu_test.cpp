// SPDX-License-Identifier: Apache-2.0
// ALU lowering against the semantics written once in isa/semantics.hpp:
// every ALU row, register and immediate forms, over edge-case operands.
#include <gtest/gtest.h>

#include <cstring>

#include "isa/semantics.hpp"
#include "jit_test_util.hpp"

namespace decade::jit::test {
namespace {

// The expected result of one ALU instruction (dst op= src or imm).
uint64_t expect_alu(const Insn& in, uint64_t d, uint64_t s) {
  const OpInfo& i = in.info();
  const bool w32 = i.width == 32;
  const uint64_t b = i.shape == Shape::AluImm ? (w32 ? sem::zext32(static_cast<uint32_t>(in.imm)) : sem::imm64(in.imm)) : s;
  const auto d32 = static_cast<uint32_t>(d), b32 = static_cast<uint32_t>(b);
  uint64_t r = 0;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wswitch-enum"  // only the ALU rows reach here
  switch (i.sem) {
    case Sem::Add: r = d + b; break;
    case Sem::Sub: r = d - b; break;
    case Sem::Mul: r = d * b; break;
    case Sem::Div: r = w32 ? sem::udiv32(d32, b32) : sem::udiv64(d, b); break;
    case Sem::SDiv: r = w32 ? sem::sdiv32(d32, b32) : sem::sdiv64(d, b); break;
    case Sem::Mod: r = w32 ? sem::umod32(d32, b32) : sem::umod64(d, b); break;
    case Sem::SMod: r = w32 ? sem::smod32(d32, b32) : sem::smod64(d, b); break;
    case Sem::Or: r = d | b; break;
    case Sem::And: r = d & b; break;
    case Sem::Xor: r = d ^ b; break;
    case Sem::Mov: r = b; break;
    case Sem::Lsh: r = w32 ? sem::lsh32(d32, b) : sem::lsh64(d, b); break;
    case Sem::Rsh: r = w32 ? sem::rsh32(d32, b) : sem::rsh64(d, b); break;
    case Sem::Arsh: r = w32 ? sem::arsh32(d32, b) : sem::arsh64(d, b); break;
    case Sem::Neg: r = 0 - d; break;
    case Sem::MovSx: r = sem::sext(s, static_cast<unsigned>(in.off)); break;
    case Sem::Le: return sem::to_le(d, static_cast<unsigned>(in.imm));
    case Sem::Be: return sem::to_be(d, static_cast<unsigned>(in.imm));
    case Sem::Bswap: return sem::bswap(d, static_cast<unsigned>(in.imm));
    case Sem::Popcnt: r = w32 ? sem::popcnt32(d32) : sem::popcnt64(d); break;
    case Sem::Clz: r = w32 ? sem::clz32(d32) : sem::clz64(d); break;
    case Sem::Ctz: r = w32 ? sem::ctz32(d32) : sem::ctz64(d); break;
    case Sem::Rol: r = w32 ? sem::rol32(d32, b) : sem::rol64(d, b); break;
    case Sem::Ror: r = w32 ? sem::ror32(d32, b) : sem::ror64(d, b); break;
    default: ADD_FAILURE() << "not ALU"; break;
  }
#pragma GCC diagnostic pop
  return w32 ? sem::zext32(r) : r;
}

const uint64_t kValues[] = {0, 1, 2, 7, 0xff, 0x80, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x123456789abcdef0,
                            0x8000000000000000, 0xffffffffffffffff, 0xfffffffffffffff6, 63, 64, 31, 32};
const int32_t kImms[] = {0, 1, -1, 3, -10, 31, 32, 63, 64, 0x7fffffff, INT32_MIN, 0x1234};

// Loads dst from mem[0] and src from mem[8] (r1 last, it holds the
// pointer), runs the instruction, returns dst.
Program alu_prog(const Insn& op, bool uses_src) {
  std::vector<Insn> v;
  auto load = [&](uint8_t r, int16_t off) { v.push_back(make_insn(Op::LDXDW, r, 1, off)); };
  if (!uses_src || op.src == op.dst) {
    load(op.dst, 0);
  } else if (op.dst == 1) {
    load(op.src, 8);
    load(op.dst, 0);
  } else {
    load(op.dst, 0);
    load(op.src, 8);
  }
  v.push_back(op);
  v.push_back(make_insn(Op::MOV64_REG, 0, op.dst));
  v.push_back(exit_insn());
  return program_of(v);
}

// Register pairs that stress the fixed x86 roles: rax/rdx (div), rcx (shifts).
const std::pair<uint8_t, uint8_t> kRegPairs[] = {{1, 2}, {0, 3}, {3, 0}, {4, 1}, {1, 4}, {4, 4}, {3, 3}, {0, 0}, {6, 9}};

class AluRow : public ::testing::TestWithParam<size_t> {};

TEST_P(AluRow, MatchesSemantics) {
  const OpInfo& i = kOps[GetParam()];
  const bool reg = i.shape == Shape::AluReg;
  std::vector<int32_t> imms = {0};
  if (i.shape == Shape::AluImm) imms.assign(std::begin(kImms), std::end(kImms));
  const bool rotate = i.sem == Sem::Rol || i.sem == Sem::Ror;
  if (rotate && i.shape == Shape::AluImm) imms = {0, 1, 7, 31, static_cast<int32_t>(i.width - 1)};  // 0 <= imm < width
  if (i.shape == Shape::Unary && i.disc == Disc::Imm) imms = {static_cast<int32_t>(i.dval)};
  // The last: popcnt/lzcnt/tzcnt not used, so their fallbacks run on any host.
  for (const JitOptions& opts : {JitOptions{}, JitOptions{true}, JitOptions{false, false}}) {
    for (auto [dst, src] : kRegPairs) {
      if (!reg && src != kRegPairs[0].second && dst == src) continue;
      for (int32_t imm : imms) {
        const Insn op = make_insn(i.op, dst, reg ? src : 0, 0, imm);
        auto exe = compile_checked(alu_prog(op, reg), env_of(), opts);
        ASSERT_TRUE(exe.has_value()) << i.name << ": " << exe.error().to_string();
        std::vector<uint8_t> mem(16);
        RunRequest req;
        req.r1 = reinterpret_cast<uint64_t>(mem.data());
        req.regions.push_back({req.r1, mem.size(), true});
        for (uint64_t d : kValues) {
          for (uint64_t s : kValues) {
            if (!reg && s != 0) continue;
            const uint64_t sv = reg && src == dst ? d : s;
            std::memcpy(mem.data(), &d, 8);
            std::memcpy(mem.data() + 8, &sv, 8);
            auto r = (*exe)->run(req);
            ASSERT_TRUE(r.has_value()) << i.name << ": " << r.error().to_string();
            ASSERT_EQ(*r, expect_alu(op, d, sv)) << i.name << " r" << int(dst) << ", r" << int(src) << " d=" << std::hex
                                                 << d << " s=" << sv << " imm=" << std::dec << imm
                                                 << " blind=" << opts.blind_constants
                                                 << " cpu_bit_counts=" << opts.cpu_bit_counts;
          }
        }
      }
    }
  }
}

std::vector<size_t> alu_rows() {
  std::vector<size_t> v;
  for (size_t k = 0; k < kOpCount; ++k)
    if (is_alu(kOps[k].sem) && kOps[k].sem != Sem::AddrSpaceCast) v.push_back(k);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Jit, AluRow, ::testing::ValuesIn(alu_rows()),
                         [](const auto& info) { return std::string(kOps[info.param].name); });

}  // namespace
}  // namespace decade::jit::test
