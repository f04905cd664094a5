// SPDX-License-Identifier: Apache-2.0
// The table is self-consistent: every row decodes back to itself, no two rows
// claim the same encoding, and encode/decode round-trip for every row.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <tuple>

#include "isa/decode.hpp"
#include "isa/encode.hpp"
#include "isa/isa.hpp"

namespace decade {
namespace {

// A representative instance of a row with legal operands.
Insn sample(Op op) {
  const OpInfo& i = info(op);
  uint8_t dst = 1, src = 2;
  int16_t off = 0;
  int32_t imm = 0;
  switch (i.shape) {
    case Shape::AluImm: src = 0; imm = 7; break;
    case Shape::AluReg: break;
    case Shape::Unary: src = 0; break;
    case Shape::AddrSpaceCast: imm = 1; break;
    case Shape::Load: off = 8; break;
    case Shape::StoreImm: src = 0; off = -8; imm = 3; break;
    case Shape::StoreReg: off = -8; break;
    case Shape::LoadArg: src = 0; off = 16; break;            // make_insn puts r11 in src
    case Shape::StoreArg: dst = 0; off = -16; break;          // and in dst
    case Shape::StoreImmArg: dst = 0; src = 0; off = -8; imm = -3; break;
    case Shape::LdImm64: src = 0; imm = i.sem == Sem::LdFunc ? 1 : 5; break;
    case Shape::LdAbs: dst = 0; src = 0; imm = 4; break;
    case Shape::LdInd: dst = 0; imm = 4; break;
    case Shape::AtomicRmw: off = 16; break;
    case Shape::AtomicLoad: off = 16; break;
    case Shape::AtomicStore: off = 16; break;
    case Shape::JmpImm: src = 0; imm = 3; off = 0; break;
    case Shape::JmpReg: off = 0; break;
    case Shape::Ja: dst = src = 0; off = 0; break;
    case Shape::Ja32: dst = src = 0; imm = 0; break;
    case Shape::GotoX: src = 0; break;
    case Shape::MayGoto: dst = src = 0; off = 0; break;
    case Shape::CallHelper: dst = src = 0; imm = 1; break;
    case Shape::CallLocal: dst = src = 0; imm = 0; break;
    case Shape::CallKfunc: dst = src = 0; imm = 42; off = 0; break;
    case Shape::CallX: src = 0; break;
    case Shape::Exit: dst = src = 0; break;
  }
  return make_insn(op, dst, src, off, imm, 0x1122334455667788ULL);
}

TEST(IsaTable, RowsAreInEnumOrder) {
  for (size_t k = 0; k < kOps.size(); ++k) EXPECT_EQ(static_cast<size_t>(kOps[k].op), k) << kOps[k].name;
}

TEST(IsaTable, NoTwoRowsShareAnEncoding) {
  std::set<std::tuple<uint8_t, Disc, uint32_t>> seen;
  for (const OpInfo& i : kOps) {
    EXPECT_TRUE(seen.insert({i.opcode, i.disc, i.dval}).second) << i.name;
  }
  // Rows that share an opcode must agree on which field discriminates them,
  // except one plain row (no discriminator) that the others win over: the
  // stackargs rows, picked by r11 in a register field, beside the plain
  // double-word accesses (find_op).
  for (const OpInfo& a : kOps) {
    for (const OpInfo& b : kOps) {
      if (a.opcode == b.opcode && a.disc != Disc::None && b.disc != Disc::None) {
        EXPECT_EQ(a.disc, b.disc) << a.name << " vs " << b.name;
      }
      if (a.opcode == b.opcode && a.op != b.op && a.disc == Disc::None) {
        EXPECT_NE(b.disc, Disc::None) << a.name << " vs " << b.name;
        EXPECT_EQ(b.group, Group::stackargs) << a.name << " vs " << b.name;
      }
    }
  }
}

TEST(IsaTable, EveryRowRoundTripsThroughEncodeAndDecode) {
  for (const OpInfo& i : kOps) {
    Insn in = sample(i.op);
    std::vector<RawInsn> raw;
    encode(in, raw);
    // A call-local / jump needs an in-range target: append exits to land on.
    raw.push_back(RawInsn{0x95, 0, 0, 0});
    auto p = decode(std::span<const RawInsn>(raw));
    ASSERT_TRUE(p.has_value()) << i.name << ": " << p.error().to_string();
    ASSERT_GE(p->insns.size(), 1u);
    const Insn& d = p->insns[0];
    EXPECT_EQ(d.op, i.op) << i.name;
    EXPECT_EQ(d.dst, in.dst) << i.name;
    EXPECT_EQ(d.src, in.src) << i.name;
    EXPECT_EQ(d.off, in.off) << i.name;
    EXPECT_EQ(d.imm, in.imm) << i.name;
    EXPECT_EQ(d.imm2, in.imm2) << i.name;
    std::vector<RawInsn> again;
    encode(d, again);
    ASSERT_EQ(again.size(), in.slots());
    for (size_t k = 0; k < again.size(); ++k) {
      EXPECT_EQ(0, std::memcmp(&again[k], &raw[k], sizeof(RawInsn))) << i.name;
    }
  }
}

TEST(IsaTable, CoversEveryRfc9669OpcodeFamily) {
  // Spot checks of the encodings every engine relies on.
  EXPECT_EQ(info(Op::ADD64_IMM).opcode, 0x07);
  EXPECT_EQ(info(Op::MOV32_REG).opcode, 0xbc);
  EXPECT_EQ(info(Op::LDXDW).opcode, 0x79);
  EXPECT_EQ(info(Op::STXW).opcode, 0x63);
  EXPECT_EQ(info(Op::LDDW).opcode, 0x18);
  EXPECT_EQ(info(Op::JA32).opcode, 0x06);
  EXPECT_EQ(info(Op::MAY_GOTO).opcode, 0xe5);
  EXPECT_EQ(info(Op::GOTOX).opcode, 0x0d);
  EXPECT_EQ(info(Op::CALLX).opcode, 0x8d);
  EXPECT_EQ(info(Op::LOAD_ACQB).opcode, 0xd3);
  EXPECT_EQ(info(Op::LOAD_ACQH).opcode, 0xcb);
  EXPECT_EQ(info(Op::ATOMIC_CMPXCHG64).dval, 0xf1u);
  EXPECT_EQ(info(Op::BSWAP64).opcode, 0xd7);
  EXPECT_EQ(info(Op::LDXSW).opcode, 0x81);
  EXPECT_EQ(info(Op::POPCNT64).opcode, 0xe7);  // Decade extension bitmanip (docs/isa-extensions.md)
  EXPECT_EQ(info(Op::ROR32_REG).opcode, 0xec);
  EXPECT_EQ(info(Op::LDX_ARG).opcode, 0x79);  // Decade extension stackargs
  EXPECT_EQ(kOpCount, 200u);  // 182 BPF rows + 14 bitmanip rows + 3 stackargs rows + 1 alloca row
}

}  // namespace
}  // namespace decade
