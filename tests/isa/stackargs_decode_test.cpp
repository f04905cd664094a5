// SPDX-License-Identifier: Apache-2.0
// The stackargs extension's encodings (docs/isa-extensions.md): r11 is
// accepted only as the base of a 64-bit load at r11 + 8..56 (an incoming
// argument) or a 64-bit store at r11 - 8..56 (an outgoing one); every other
// use of r11 is DecodeBadStackArg at the instruction's index, and the
// extension disabled by the host is refused by name.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "isa/decode.hpp"
#include "isa/encode.hpp"

namespace decade {
namespace {

struct Row {
  const char* name;
  RawInsn insn;
  ErrorCode code;  // Ok: decodes to `op`
  Op op = Op::EXIT;
};

// RawInsn: code, regs (dst | src << 4), off, imm.
const Row kRows[] = {
    {"ldx_arg_first", {0x79, 0xb1, 8, 0}, ErrorCode::Ok, Op::LDX_ARG},
    {"ldx_arg_last", {0x79, 0xb1, 56, 0}, ErrorCode::Ok, Op::LDX_ARG},
    {"stx_arg_first", {0x7b, 0x1b, -8, 0}, ErrorCode::Ok, Op::STX_ARG},
    {"stx_arg_last", {0x7b, 0x1b, -56, 0}, ErrorCode::Ok, Op::STX_ARG},
    {"st_arg", {0x7a, 0x0b, -16, -3}, ErrorCode::Ok, Op::ST_ARG},
    {"stx_fp_into_arg", {0x7b, 0xab, -8, 0}, ErrorCode::Ok, Op::STX_ARG},
    {"ldxdw_r10_unchanged", {0x79, 0xa1, -8, 0}, ErrorCode::Ok, Op::LDXDW},
    {"ldx_arg_off_0", {0x79, 0xb1, 0, 0}, ErrorCode::DecodeBadStackArg},
    {"ldx_arg_off_64", {0x79, 0xb1, 64, 0}, ErrorCode::DecodeBadStackArg},
    {"ldx_arg_unaligned", {0x79, 0xb1, 12, 0}, ErrorCode::DecodeBadStackArg},
    {"ldx_arg_negative", {0x79, 0xb1, -8, 0}, ErrorCode::DecodeBadStackArg},
    {"stx_arg_positive", {0x7b, 0x1b, 8, 0}, ErrorCode::DecodeBadStackArg},
    {"stx_arg_off_minus_64", {0x7b, 0x1b, -64, 0}, ErrorCode::DecodeBadStackArg},
    {"st_arg_positive", {0x7a, 0x0b, 16, 1}, ErrorCode::DecodeBadStackArg},
    {"ldxw_r11", {0x61, 0xb1, 8, 0}, ErrorCode::DecodeBadStackArg},
    {"stxw_r11", {0x63, 0x1b, -8, 0}, ErrorCode::DecodeBadStackArg},
    {"ldxdw_into_r11", {0x79, 0x1b, 8, 0}, ErrorCode::DecodeBadStackArg},
    {"stxdw_of_r11", {0x7b, 0xb1, -8, 0}, ErrorCode::DecodeBadStackArg},
    {"ldx_arg_into_r11", {0x79, 0xbb, 8, 0}, ErrorCode::DecodeBadStackArg},
    {"stx_arg_of_r11", {0x7b, 0xbb, -8, 0}, ErrorCode::DecodeBadStackArg},
    {"mov_r11", {0xb7, 0x0b, 0, 1}, ErrorCode::DecodeBadStackArg},
    {"add_from_r11", {0x0f, 0xb1, 0, 0}, ErrorCode::DecodeBadStackArg},
    {"jeq_r11", {0x15, 0x0b, 0, 0}, ErrorCode::DecodeBadStackArg},
    {"atomic_add_r11", {0xdb, 0x1b, -8, 0}, ErrorCode::DecodeBadStackArg},
    {"st_arg_with_src", {0x7a, 0x1b, -8, 1}, ErrorCode::DecodeReservedField},
    {"ldx_arg_r12", {0x79, 0xc1, 8, 0}, ErrorCode::DecodeBadRegister},
};

class StackArgsEncoding : public ::testing::TestWithParam<Row> {};

TEST_P(StackArgsEncoding, DecodesOrNamesTheInstruction) {
  const Row& r = GetParam();
  const std::vector<RawInsn> raw = {{0xb7, 0x00, 0, 0}, r.insn, {0x95, 0, 0, 0}};
  auto p = decode(std::span<const RawInsn>(raw));
  if (r.code == ErrorCode::Ok) {
    ASSERT_TRUE(p.has_value()) << p.error().to_string();
    EXPECT_EQ(p->insns[1].op, r.op);
    // Encoding gives the same bytes back (the r11 field comes from the row).
    std::vector<RawInsn> back;
    encode(p->insns[1], back);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(std::memcmp(&back[0], &r.insn, sizeof(RawInsn)), 0);
    return;
  }
  ASSERT_FALSE(p.has_value()) << "decoded as " << p->insns[1].info().name;
  EXPECT_EQ(p.error().code, r.code) << p.error().to_string();
  EXPECT_EQ(p.error().insn, 1) << p.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(Decode, StackArgsEncoding, ::testing::ValuesIn(kRows),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(StackArgsExtension, DisabledInTheDecoderIsRefusedByName) {
  const std::vector<RawInsn> raw = {{0xb7, 0x00, 0, 0}, {0x7a, 0x0b, -8, 1}, {0x95, 0, 0, 0}};
  DecodeOptions o;
  o.allow_stackargs = false;
  auto p = decode(std::span<const RawInsn>(raw), o);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::ElfExtensionMissing);
  EXPECT_EQ(p.error().insn, 1);
}

}  // namespace
}  // namespace decade
