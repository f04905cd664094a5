// SPDX-License-Identifier: Apache-2.0
// The stackargs extension in the verifier (docs/isa-extensions.md): the
// outgoing slots must be stored before the call, a callee reads only the
// arguments it was called with, what was stored (type, bounds, constants,
// pointers to the caller's frame) is what the callee's load gives, and a
// call consumes the slots. Functions here have no BTF, so a callee takes
// as many stack arguments as its caller stored. Not registered for the
// kernel-agreement test: Linux has no stack arguments.
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

#define BAD "bad: r0 = *(u64 *)(r10 - 8)\nexit\n"
#define FIVE "r1 = 1\nr2 = 2\nr3 = 3\nr4 = 4\nr5 = 5\n"

const Case kStackArgs[] = {
    // 12 arguments: f returns their sum, 78.
    {"twelve_arguments", "raw",
     FIVE "*(u64 *)(r11 - 8) = 6\n*(u64 *)(r11 - 16) = 7\n*(u64 *)(r11 - 24) = 8\n*(u64 *)(r11 - 32) = 9\n"
          "*(u64 *)(r11 - 40) = 10\n*(u64 *)(r11 - 48) = 11\nr6 = 12\n*(u64 *)(r11 - 56) = r6\ncall f\n"
          "if r0 != 78 goto bad\nexit\n" BAD
          "f: r0 = r1\nr0 += r2\nr0 += r3\nr0 += r4\nr0 += r5\nr6 = *(u64 *)(r11 + 8)\nr0 += r6\n"
          "r6 = *(u64 *)(r11 + 16)\nr0 += r6\nr6 = *(u64 *)(r11 + 24)\nr0 += r6\nr6 = *(u64 *)(r11 + 32)\nr0 += r6\n"
          "r6 = *(u64 *)(r11 + 40)\nr0 += r6\nr6 = *(u64 *)(r11 + 48)\nr0 += r6\nr6 = *(u64 *)(r11 + 56)\nr0 += r6\nexit\n",
     E::Ok},
    // The callee's load has the caller's bounds: below 8, so the check never fails.
    {"bounds_reach_the_callee", "xdp",
     "r6 = *(u32 *)(r1 + 12)\nr6 &= 7\n*(u64 *)(r11 - 8) = r6\ncall f\nr0 = 0\nexit\n"
     "f: r0 = *(u64 *)(r11 + 8)\nif r0 > 7 goto bad\nexit\n" BAD,
     E::Ok},
    {"bounds_are_not_tighter", "xdp",
     "r6 = *(u32 *)(r1 + 12)\nr6 &= 7\n*(u64 *)(r11 - 8) = r6\ncall f\nr0 = 0\nexit\n"
     "f: r0 = *(u64 *)(r11 + 8)\nif r0 > 6 goto bad\nexit\n" BAD,
     E::VerifierUninitStack, 9},
    {"constant_folds", "raw",
     "*(u64 *)(r11 - 8) = -3\ncall f\nexit\nf: r0 = *(u64 *)(r11 + 8)\nif r0 != -3 goto bad\nr0 = 0\nexit\n" BAD, E::Ok},
    // A pointer to the caller's frame: the callee writes through it.
    {"pointer_to_caller_stack", "raw",
     "r6 = r10\nr6 += -16\n*(u64 *)(r11 - 8) = r6\ncall f\nr0 = *(u64 *)(r10 - 16)\nexit\n"
     "f: r2 = *(u64 *)(r11 + 8)\nr3 = 9\n*(u64 *)(r2 + 0) = r3\nr0 = 0\nexit\n",
     E::Ok},
    // A number passed where the callee dereferences: the type goes with the value.
    {"scalar_is_no_pointer", "raw",
     "r6 = 4096\n*(u64 *)(r11 - 8) = r6\ncall f\nexit\nf: r2 = *(u64 *)(r11 + 8)\nr0 = *(u64 *)(r2 + 0)\nexit\n",
     E::VerifierInvalidMemAccess, 5},
    // A callee passes its own incoming argument on.
    {"forwarded_to_a_third_function", "raw",
     "*(u64 *)(r11 - 8) = 40\ncall f\nexit\n"
     "f: r6 = *(u64 *)(r11 + 8)\nr6 += 2\n*(u64 *)(r11 - 8) = r6\ncall g\nexit\n"
     "g: r0 = *(u64 *)(r11 + 8)\nif r0 != 42 goto bad\nexit\n" BAD,
     E::Ok},
    {"slot_not_stored", "raw", "*(u64 *)(r11 - 16) = 7\ncall f\nexit\nf: r0 = 0\nexit\n", E::VerifierStackArg, 1},
    {"stored_on_one_path_only", "xdp",
     "r2 = *(u32 *)(r1 + 12)\nif r2 == 0 goto skip\n*(u64 *)(r11 - 8) = 7\nskip: call f\nr0 = 0\nexit\n"
     "f: r0 = *(u64 *)(r11 + 8)\nexit\n",
     E::VerifierStackArg, 6},
    {"read_past_the_count", "raw",
     "*(u64 *)(r11 - 8) = 7\ncall f\nexit\nf: r0 = *(u64 *)(r11 + 16)\nexit\n", E::VerifierStackArg, 3},
    {"main_has_no_stack_arguments", "raw", "r0 = *(u64 *)(r11 + 8)\nexit\n", E::VerifierStackArg, 0},
    // A call consumes the slots: the second callee gets none.
    {"consumed_by_the_call", "raw",
     "*(u64 *)(r11 - 8) = 7\ncall f\ncall f\nexit\nf: r0 = *(u64 *)(r11 + 8)\nexit\n", E::VerifierStackArg, 4},
    {"helper_takes_no_stack_arguments", "raw", "*(u64 *)(r11 - 8) = 7\ncall 5\nexit\n", E::VerifierStackArg, 1},
    {"uninitialised_register_stored", "raw", "*(u64 *)(r11 - 8) = r7\ncall f\nexit\nf: r0 = 0\nexit\n",
     E::VerifierUninitRegister, 0},
    // A callback is entered by its helper, with r1-r5 only.
    {"callback_has_no_stack_arguments", "raw",
     "r1 = 4\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\nr0 = 0\nexit\ncb: r0 = *(u64 *)(r11 + 8)\nr0 = 0\nexit\n",
     E::VerifierStackArg, 8},
};

#undef BAD
#undef FIVE

class StackArgs : public ::testing::TestWithParam<Case> {};
TEST_P(StackArgs, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, StackArgs, ::testing::ValuesIn(kStackArgs), case_name);

}  // namespace
}  // namespace decade::test
