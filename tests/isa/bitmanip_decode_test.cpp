// SPDX-License-Identifier: Apache-2.0
// The bitmanip extension's encodings (docs/isa-extensions.md): the valid
// forms decode to their rows, every other combination of src, off and imm
// is an invalid instruction named by its index, and a program that uses
// or declares an extension the runtime lacks or the host disabled is
// refused by name (ElfExtensionMissing).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "isa/decode.hpp"
#include "isa/extensions.hpp"

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
    {"popcnt64", {0xe7, 0x01, 0, 0}, ErrorCode::Ok, Op::POPCNT64},
    {"clz64", {0xe7, 0x01, 1, 0}, ErrorCode::Ok, Op::CLZ64},
    {"ctz32", {0xe4, 0x01, 2, 0}, ErrorCode::Ok, Op::CTZ32},
    {"rol64_imm_63", {0xe7, 0x01, 3, 63}, ErrorCode::Ok, Op::ROL64_IMM},
    {"ror32_imm_31", {0xe4, 0x01, 4, 31}, ErrorCode::Ok, Op::ROR32_IMM},
    {"rol64_imm_0", {0xe7, 0x01, 3, 0}, ErrorCode::Ok, Op::ROL64_IMM},
    {"rol64_reg", {0xef, 0x21, 3, 0}, ErrorCode::Ok, Op::ROL64_REG},
    {"ror32_reg", {0xec, 0x21, 4, 0}, ErrorCode::Ok, Op::ROR32_REG},
    {"popcnt_with_src", {0xe7, 0x21, 0, 0}, ErrorCode::DecodeReservedField},
    {"clz_with_imm", {0xe4, 0x01, 1, 5}, ErrorCode::DecodeReservedField},
    {"rol64_imm_64", {0xe7, 0x01, 3, 64}, ErrorCode::DecodeBadImmediate},
    {"rol32_imm_32", {0xe4, 0x01, 3, 32}, ErrorCode::DecodeBadImmediate},
    {"ror64_imm_negative", {0xe7, 0x01, 4, -1}, ErrorCode::DecodeBadImmediate},
    {"rol_imm_with_src", {0xe7, 0x21, 3, 5}, ErrorCode::DecodeReservedField},
    {"rol_reg_with_imm", {0xef, 0x21, 3, 1}, ErrorCode::DecodeReservedField},
    {"popcnt_reg_form", {0xef, 0x21, 0, 0}, ErrorCode::DecodeReservedField},
    {"ctz_reg_form", {0xec, 0x21, 2, 0}, ErrorCode::DecodeReservedField},
    {"off_5", {0xe7, 0x01, 5, 0}, ErrorCode::DecodeReservedField},
    {"off_negative", {0xe4, 0x01, -1, 0}, ErrorCode::DecodeReservedField},
    {"dst_r11", {0xe7, 0x0b, 0, 0}, ErrorCode::DecodeBadStackArg},
    {"rol_reg_src_r11", {0xef, 0xb1, 3, 0}, ErrorCode::DecodeBadStackArg},
    {"dst_r12", {0xe7, 0x0c, 0, 0}, ErrorCode::DecodeBadRegister},
};

class BitmanipEncoding : public ::testing::TestWithParam<Row> {};

TEST_P(BitmanipEncoding, DecodesOrNamesTheInstruction) {
  const Row& r = GetParam();
  const std::vector<RawInsn> raw = {{0xb7, 0x00, 0, 0}, r.insn, {0x95, 0, 0, 0}};
  auto p = decode(std::span<const RawInsn>(raw));
  if (r.code == ErrorCode::Ok) {
    ASSERT_TRUE(p.has_value()) << p.error().to_string();
    EXPECT_EQ(p->insns[1].op, r.op);
    return;
  }
  ASSERT_FALSE(p.has_value()) << "decoded as " << p->insns[1].info().name;
  EXPECT_EQ(p.error().code, r.code) << p.error().to_string();
  EXPECT_EQ(p.error().insn, 1) << p.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(Decode, BitmanipEncoding, ::testing::ValuesIn(kRows),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Extensions, DisabledInTheDecoderIsRefusedByName) {
  const std::vector<RawInsn> raw = {{0xb7, 0x00, 0, 0}, {0xe7, 0x00, 0, 0}, {0x95, 0, 0, 0}};
  DecodeOptions o;
  o.allow_bitmanip = false;
  auto p = decode(std::span<const RawInsn>(raw), o);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::ElfExtensionMissing);
  EXPECT_EQ(p.error().insn, 1);
}

TEST(Extensions, UsedDeclaredAndDisabled) {
  const std::vector<RawInsn> raw = {{0xb7, 0x00, 0, 0}, {0xe7, 0x00, 0, 0}, {0x95, 0, 0, 0}};
  auto p = decode(std::span<const RawInsn>(raw));
  ASSERT_TRUE(p.has_value());
  const std::vector<std::string> none, bitmanip = {"bitmanip"}, unknown = {"no_such_extension"};
  EXPECT_TRUE(check_extensions(*p, none, none));
  EXPECT_TRUE(check_extensions(*p, bitmanip, none));
  auto off = check_extensions(*p, none, bitmanip);  // used by instruction 1, disabled by the host
  ASSERT_FALSE(off);
  EXPECT_EQ(off.error().code, ErrorCode::ElfExtensionMissing);
  EXPECT_EQ(off.error().insn, 1);
  auto missing = check_extensions(*p, unknown, none);  // declared, not in this build
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::ElfExtensionMissing);
  EXPECT_EQ(missing.error().insn, -1);
  EXPECT_EQ(supported_extensions().size(), 4u);
  EXPECT_EQ(supported_extensions()[0], "bitmanip");
  EXPECT_EQ(supported_extensions()[1], "stackargs");
  EXPECT_EQ(supported_extensions()[2], "divstack");
  EXPECT_EQ(supported_extensions()[3], "alloca");
}

}  // namespace
}  // namespace decade
