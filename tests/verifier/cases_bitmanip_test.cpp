// SPDX-License-Identifier: Apache-2.0
// The bitmanip extension's transfer functions (docs/isa-extensions.md):
// each accepted case holds only if the result's bounds or tnum are as
// precise as the extension promises (a path the verifier cannot rule out
// reads uninitialised stack at `bad`); each rejected case shows the bound
// is not tighter than the truth. Not registered for the kernel-agreement
// test: Linux has no such instructions.
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

#define BAD "exit\nbad: r0 = *(u64 *)(r10 - 8)\nexit\n"

const Case kBitmanip[] = {
    {"popcnt_known_and_possible_ones", "xdp",
     "r2 = *(u32 *)(r1 + 12)\nr2 &= 0xf0\nr2 |= 3\nr2 = popcnt r2\nif r2 > 6 goto bad\nif r2 < 2 goto bad\nr0 = 0\n" BAD,
     E::Ok},
    {"popcnt_u32_at_most_32", "xdp", "r2 = *(u32 *)(r1 + 12)\nr2 = popcnt r2\nif r2 > 32 goto bad\nr0 = 0\n" BAD, E::Ok},
    {"popcnt_u32_may_be_32", "xdp", "r2 = *(u32 *)(r1 + 12)\nr2 = popcnt r2\nif r2 > 31 goto bad\nr0 = 0\n" BAD,
     E::VerifierUninitStack, 5},
    {"popcnt32_of_all_ones_folds", "xdp", "r2 = -1\nw2 = popcnt w2\nif r2 != 32 goto bad\nr0 = 0\n" BAD, E::Ok},
    {"clz_range_from_bounds", "xdp",
     "r2 = *(u32 *)(r1 + 12)\nr2 |= 0x100\nr2 = clz r2\nif r2 < 32 goto bad\nif r2 > 55 goto bad\nr0 = 0\n" BAD, E::Ok},
    {"clz_range_is_not_tighter", "xdp",
     "r2 = *(u32 *)(r1 + 12)\nr2 |= 0x100\nr2 = clz r2\nif r2 > 54 goto bad\nr0 = 0\n" BAD, E::VerifierUninitStack, 6},
    {"clz32_top_bit_known", "xdp", "r2 = *(u32 *)(r1 + 12)\nw2 |= -2147483648\nw2 = clz w2\nif r2 != 0 goto bad\nr0 = 0\n" BAD,
     E::Ok},
    {"ctz_known_low_bits", "xdp", "r2 = *(u32 *)(r1 + 12)\nr2 |= 1\nr2 <<= 3\nr2 = ctz r2\nif r2 != 3 goto bad\nr0 = 0\n" BAD,
     E::Ok},
    {"ctz_of_zero_is_width", "xdp",
     "r2 = 0\nr2 = ctz r2\nif r2 != 64 goto bad\nw3 = 0\nw3 = ctz w3\nif r3 != 32 goto bad\nr0 = 0\n" BAD, E::Ok},
    {"rol_moves_the_tnum", "xdp",
     "r2 = *(u32 *)(r1 + 12)\nr2 &= 0xf\nr2 = rol r2, 4\nif r2 > 0xf0 goto bad\nr2 &= 0xf\nif r2 != 0 goto bad\nr0 = 0\n" BAD,
     E::Ok},
    {"ror32_zero_extends", "xdp", "r2 = -1\nw2 = ror w2, 7\nr3 = 0xffffffff ll\nif r2 != r3 goto bad\nr0 = 0\n" BAD, E::Ok},
    {"rol_reg_amount_modulo_width", "xdp",
     "r3 = *(u32 *)(r1 + 12)\nr3 &= 0x40\nr2 = 0x11\nr2 = rol r2, r3\nif r2 != 0x11 goto bad\nr0 = 0\n" BAD, E::Ok},
    {"rol_reg_unknown_amount", "xdp",
     "r3 = *(u32 *)(r1 + 12)\nr2 = 1\nr2 = rol r2, r3\nif r2 > 1 goto bad\nr0 = 0\n" BAD, E::VerifierUninitStack, 6},
    {"popcnt_of_pointer", "xdp", "r2 = r10\nr2 = popcnt r2\nr0 = 0\nexit\n", E::VerifierBadPointerArith, 1},
    {"rol_of_pointer", "xdp", "r2 = r10\nr2 = rol r2, 3\nr0 = 0\nexit\n", E::VerifierBadPointerArith, 1},
    {"ror_by_pointer", "xdp", "r2 = 1\nr3 = r10\nr2 = ror r2, r3\nr0 = 0\nexit\n", E::VerifierBadPointerArith, 2},
};

#undef BAD

class Bitmanip : public ::testing::TestWithParam<Case> {};
TEST_P(Bitmanip, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, Bitmanip, ::testing::ValuesIn(kBitmanip), case_name);

}  // namespace
}  // namespace decade::test
