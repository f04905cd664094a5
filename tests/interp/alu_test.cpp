// SPDX-License-Identifier: Apache-2.0
// ALU semantics through the interpreter: the edge cases the kernel defines.
#include "interp_test_util.hpp"

namespace decade::test {
namespace {

struct Case {
  const char* name;
  const char* text;
  uint64_t expect;
};

class AluTest : public ::testing::TestWithParam<Case> {};

TEST_P(AluTest, Result) { EXPECT_EQ(value(GetParam().text), GetParam().expect) << GetParam().text; }

const Case kCases[] = {
    // division and modulo by zero: x/0 = 0, x%0 = x
    {"div64_zero_imm", "mov %r0, 7\ndiv %r0, 0\nexit", 0},
    {"div64_zero_reg", "mov %r0, 7\nmov %r1, 0\ndiv %r0, %r1\nexit", 0},
    {"mod64_zero_reg", "mov %r0, 7\nmov %r1, 0\nmod %r0, %r1\nexit", 7},
    {"div32_zero_high", "mov %r0, 7\nlddw %r1, 0x100000000\ndiv32 %r0, %r1\nexit", 0},
    {"mod32_zero_keeps_low", "lddw %r0, 0x1ffffffff\nmov %r1, 0\nmod32 %r0, %r1\nexit", 0xffffffff},
    {"sdiv64_zero", "mov %r0, -7\nsdiv %r0, 0\nexit", 0},
    {"smod64_zero", "mov %r0, -7\nmov %r1, 0\nsmod %r0, %r1\nexit", static_cast<uint64_t>(-7)},
    {"smod32_zero", "mov32 %r0, -10\nmov %r1, 0\nsmod32 %r0, %r1\nexit", 0xfffffff6},
    // INT_MIN / -1 and INT_MIN % -1
    {"sdiv64_intmin", "lddw %r0, 0x8000000000000000\nsdiv %r0, -1\nexit", 0x8000000000000000ULL},
    {"smod64_intmin", "lddw %r0, 0x8000000000000000\nsmod %r0, -1\nexit", 0},
    {"sdiv32_intmin", "mov32 %r0, 0x80000000\nsdiv32 %r0, -1\nexit", 0x80000000},
    {"smod32_intmin", "mov32 %r0, 0x80000000\nsmod32 %r0, -1\nexit", 0},
    {"sdiv64_rounds_to_zero", "mov %r0, -7\nsdiv %r0, 2\nexit", static_cast<uint64_t>(-3)},
    {"smod64_dividend_sign", "mov %r0, -7\nsmod %r0, 2\nexit", static_cast<uint64_t>(-1)},
    {"div64_negative_imm_is_unsigned", "mov %r0, 100\ndiv %r0, -10\nexit", 0},
    // shift counts are masked
    {"lsh64_masked", "mov %r0, 1\nmov %r1, 65\nlsh %r0, %r1\nexit", 2},
    {"lsh32_masked", "mov %r0, 1\nlsh32 %r0, 60\nexit", 1u << 28},
    {"rsh64_neg_count", "lddw %r0, 0x8000000000000000\nrsh %r0, -60\nexit", 0x0800000000000000ULL},
    {"arsh32_zero_extends", "mov32 %r0, 0x80000000\narsh32 %r0, 4\nexit", 0xf8000000},
    {"arsh64", "lddw %r0, 0x8000000000000000\narsh %r0, 63\nexit", ~0ULL},
    // 32-bit results zero-extend
    {"add32_wraps", "mov32 %r0, 0xffffffff\nadd32 %r0, 1\nexit", 0},
    {"mov32_neg", "mov32 %r0, -1\nexit", 0xffffffff},
    {"mov64_sign_extends", "mov %r0, 0x80000000\nexit", 0xffffffff80000000ULL},
    {"sub32_high_cleared", "lddw %r0, 0xffffffff00000005\nsub32 %r0, 1\nexit", 4},
    {"mul32", "mov32 %r0, 0x10000\nmul32 %r0, 0x10000\nexit", 0},
    {"mul64_wraps", "lddw %r0, 0x8000000000000000\nmul %r0, -1\nexit", 0x8000000000000000ULL},
    {"neg64_intmin", "lddw %r0, 0x8000000000000000\nneg %r0\nexit", 0x8000000000000000ULL},
    {"neg32", "mov %r0, 1\nneg32 %r0\nexit", 0xffffffff},
    {"xor_or_and", "mov %r0, 0xf0\nor %r0, 0x0f\nxor %r0, 0x3c\nand %r0, 0x7e\nexit", 0x42},
    // sign extension
    {"movsx864", "mov %r1, 0x80\nmovsx864 %r0, %r1\nexit", 0xffffffffffffff80ULL},
    {"movsx1632", "mov %r1, 0x8000\nmovsx1632 %r0, %r1\nexit", 0xffff8000},
    {"movsx3264", "mov32 %r1, 0x80000000\nmovsx3264 %r0, %r1\nexit", 0xffffffff80000000ULL},
    // byte order
    {"le16_truncates", "lddw %r0, 0x1122334455667788\nle16 %r0\nexit", 0x7788},
    {"be16", "lddw %r0, 0x1122334455667788\nbe16 %r0\nexit", 0x8877},
    {"be32", "lddw %r0, 0x1122334455667788\nbe32 %r0\nexit", 0x88776655},
    {"be64", "lddw %r0, 0x1122334455667788\nbe64 %r0\nexit", 0x8877665544332211ULL},
    {"bswap16", "lddw %r0, 0x1122334455667788\nbswap16 %r0\nexit", 0x8877},
    {"bswap64", "lddw %r0, 0x1122334455667788\nbswap64 %r0\nexit", 0x8877665544332211ULL},
    // conditional jumps: imm sign-extended for 64-bit, low halves for 32-bit
    {"jeq_signed_imm", "lddw %r1, 0xffffffff80000000\nmov %r0, 0\njeq %r1, 0x80000000, +1\nexit\nmov %r0, 1\nexit", 1},
    {"jsgt32_low_half", "lddw %r1, 0x00000001ffffffff\nmov %r0, 0\njsgt32 %r1, 0, +1\nmov %r0, 1\nexit", 1},
    {"jset", "mov %r1, 6\nmov %r0, 0\njset %r1, 2, +1\nexit\nmov %r0, 1\nexit", 1},
    {"jslt_reg", "mov %r1, -1\nmov %r2, 0\nmov %r0, 0\njslt %r1, %r2, +1\nexit\nmov %r0, 1\nexit", 1},
    {"jlt_unsigned", "mov %r1, -1\nmov %r0, 0\njlt %r1, 5, +1\nexit\nmov %r0, 1\nexit", 0},
    {"ja32", "mov %r0, 1\nja32 +1\nmov %r0, 2\nexit", 1},
};

INSTANTIATE_TEST_SUITE_P(Interp, AluTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace decade::test
