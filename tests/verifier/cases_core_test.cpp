// SPDX-License-Identifier: Apache-2.0
// Control flow, scalar arithmetic, stack and context cases.
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

const Case kControlFlow[] = {
    {"exit_const", "xdp", "r0 = 2\nexit\n", E::Ok},
    {"unreachable_tail", "xdp", "r0 = 0\nexit\nr0 = 1\nexit\n", E::VerifierUnreachable, 2},
    {"fall_through_end", "xdp", "r0 = 0\nr0 += 1\n", E::VerifierFallThrough, 1},
    {"cond_jump_last", "xdp", "r0 = 0\nif r0 == 0 goto -2\n", E::VerifierFallThrough, 1},
    {"uninit_r0_exit", "xdp", "exit\n", E::VerifierUninitRegister, 0},
    {"uninit_r2", "xdp", "r0 = r2\nexit\n", E::VerifierUninitRegister, 0},
    {"infinite_goto_self", "xdp", "r0 = 0\nl: goto l\n", E::VerifierInfiniteLoop, 1},
    {"infinite_loop_unchanged", "xdp", "r0 = 0\nr1 = 1\nl: if r1 != 0 goto l\nexit\n", E::VerifierInfiniteLoop, 2},
    {"bounded_loop", "xdp", "r1 = 0\nl: r1 += 1\nif r1 < 10 goto l\nr0 = 0\nexit\n", E::Ok},
    {"bounded_loop_down", "xdp", "r1 = 100\nl: r1 -= 3\nif r1 s> 0 goto l\nr0 = 0\nexit\n", E::Ok},
    {"loop_unknown_bound", "xdp",
     "r2 = *(u32 *)(r1 + 12)\nif r2 > 20 goto out\nr3 = 0\nl: r3 += 1\nif r3 < r2 goto l\nout: r0 = 0\nexit\n", E::Ok},
    {"recursion", "xdp", "call f\nexit\nf: call f\nr0 = 0\nexit\n", E::VerifierCallDepth, 2},
    {"call_ok", "xdp", "call f\nexit\nf: r0 = 1\nexit\n", E::Ok},
    {"jump_into_other_function", "xdp", "call f\nif r0 == 0 goto g\nexit\nf: r0 = 1\ng: exit\n", E::VerifierBadJump, 1},
    {"dead_branch_const", "xdp", "r1 = 1\nif r1 == 1 goto ok\nr0 = *(u64 *)(r10 - 8)\nexit\nok: r0 = 0\nexit\n", E::Ok},
    {"both_sides_checked", "xdp", "r2 = *(u32 *)(r1 + 12)\nif r2 == 1 goto ok\nr0 = *(u64 *)(r10 - 8)\nexit\nok: r0 = 0\nexit\n",
     E::VerifierUninitStack, 2},
    {"ja32_forward", "xdp", "r0 = 1\nif r0 == 0 goto +1\ngotol +1\nr0 = 9\nexit\n", E::Ok},
    // r10 is read-only where a path writes it, not in dead code (decoding accepts both).
    {"write_to_r10", "xdp", "r0 = 0\nr10 = 0\nexit\n", E::VerifierReadOnly, 1},
    {"dead_write_to_r10", "xdp", "r1 = 1\nif r1 == 1 goto ok\nr10 = 0\nexit\nok: r0 = 0\nexit\n", E::Ok},
    {"fetch_into_r10", "xdp",
     "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr10 = atomic_fetch_add((u64 *)(r2 + 0), r10)\nr0 = 0\nexit\n",
     E::VerifierReadOnly, 4},
};

const Case kScalars[] = {
    {"ret_out_of_range", "xdp_ret", "r0 = 5\nexit\n", E::VerifierBadReturn, 1},
    {"ret_negative", "xdp_ret", "r0 = -1\nexit\n", E::VerifierBadReturn, 1},
    {"ret_any_socket", "socket_filter", "r0 = -1\nexit\n", E::Ok},
    {"div_by_zero_reg", "xdp", "r0 = 1\nr1 = 0\nr0 /= r1\nexit\n", E::Ok},
    {"mod_by_zero_keeps", "xdp", "r0 = 3\nr1 = 0\nr0 %= r1\nexit\n", E::Ok},
    {"mod_const", "xdp", "r0 = 10\nr0 %= 3\nexit\n", E::Ok},
    // A zero immediate divisor is refused where it is reached (the kernel's
    // "div by zero"); a zero register divisor has the ISA's result.
    {"div_imm_zero", "xdp", "r0 = 1\nr0 /= 0\nexit\n", E::VerifierReject, 1},
    {"mod32_imm_zero", "xdp", "r0 = 1\nw0 %= 0\nexit\n", E::VerifierReject, 1},
    {"sdiv_imm_zero", "xdp", "r0 = 1\nr0 s/= 0\nexit\n", E::VerifierReject, 1},
    {"div_imm_zero_dead", "xdp", "r0 = 0\nif r0 == 0 goto +1\nr0 /= 0\nexit\n", E::Ok},
    {"alu32_wrap", "xdp", "w0 = -1\nw0 += 3\nexit\n", E::Ok},
    {"alu32_zext", "xdp", "r0 = -1\nw0 &= 3\nexit\n", E::Ok},
    {"and_mask_range", "xdp", "r0 = *(u32 *)(r1 + 12)\nr0 &= 3\nexit\n", E::Ok},
    {"and_mask_too_wide", "xdp_ret", "r0 = *(u32 *)(r1 + 12)\nr0 &= 7\nexit\n", E::VerifierBadReturn, 2},
    {"rsh_range", "xdp", "r0 = *(u32 *)(r1 + 12)\nr0 >>= 30\nexit\n", E::Ok},
    {"rsh32_range", "xdp", "w0 = *(u32 *)(r1 + 12)\nw0 >>= 30\nexit\n", E::Ok},
    {"mod_range", "xdp", "r0 = *(u32 *)(r1 + 12)\nr0 %= 5\nexit\n", E::Ok},
    {"div_range", "xdp", "r0 = *(u32 *)(r1 + 12)\nr0 /= 0x40000000\nexit\n", E::Ok},
    {"lsh_then_rsh", "xdp", "r0 = *(u32 *)(r1 + 12)\nr0 <<= 56\nr0 >>= 62\nexit\n", E::Ok},
    {"arsh_const", "xdp", "r0 = -8\nr0 s>>= 2\nr0 += 4\nexit\n", E::Ok},
    {"neg_const", "xdp", "r0 = -2\nr0 = -r0\nexit\n", E::Ok},
    {"be16_const", "xdp", "r0 = 0x200\nr0 = be16 r0\nexit\n", E::Ok},
    {"le16_trunc", "xdp", "r0 = 0x10002\nr0 = le16 r0\nexit\n", E::Ok},
    {"bswap_unknown", "xdp_ret", "r0 = *(u32 *)(r1 + 12)\nr0 = bswap16 r0\nexit\n", E::VerifierBadReturn, 2},
    {"movsx8", "xdp", "r1 = 0xff\nr0 = (s8)r1\nr0 += 3\nexit\n", E::Ok},
    {"movsx32_from_u8", "xdp", "r1 = *(u32 *)(r1 + 12)\nr1 &= 3\nr0 = (s32)r1\nexit\n", E::Ok},
    // Sign extension of a range whose sign bit is known set: 0x80..0x8f as
    // s8 is -128..-113, so the signed test never holds.
    {"movsx8_known_negative", "xdp_ret",
     "r0 = *(u32 *)(r1 + 12)\nr0 &= 0xf\nr0 |= 0x80\nw0 = (s8)w0\nif w0 s>= -5 goto bad\nr0 = 0\nexit\nbad: r0 = 9\nexit\n", E::Ok},
    // A signed range across zero and an unsigned range that misses its
    // negative end (or, 32-bit, its non-negative end's complement) leave one side.
    {"cross_sign_u64_upper", "xdp_ret",
     "r0 = *(u32 *)(r1 + 12)\nr0 = (s8)r0\nr2 = -256\nif r0 > r2 goto out\nr0 >>= 5\nexit\nout: r0 = 0\nexit\n", E::Ok},
    {"cross_sign_u32", "xdp_ret",
     "r0 = *(u32 *)(r1 + 12)\nif w0 > 0x80000003 goto out\nif w0 s< -3 goto out\nif w0 s> 5 goto out\nr0 >>= 1\nexit\n"
     "out: r0 = 0\nexit\n", E::Ok},
    {"cross_sign_negative_side", "xdp_ret",
     "r0 = *(u32 *)(r1 + 12)\nr0 = (s8)r0\nif r0 < 200 goto out\nif r0 s> -1 goto bad\nr0 = 0\nexit\nbad: r0 = 9\nexit\n"
     "out: r0 = 0\nexit\n", E::Ok},
    // `<<= 32; s>>= 32` keeps the signed 32-bit range of the low half.
    {"lsh32_arsh32_keeps_range", "xdp_ret",
     "r0 = *(u32 *)(r1 + 12)\nw0 &= 3\nw0 += -2\nr0 <<= 32\nr0 s>>= 32\nr0 += 2\nexit\n", E::Ok},
    {"lsh32_arsh32_wide_low_half", "xdp_ret",
     "r0 = *(u32 *)(r1 + 12)\nr0 <<= 32\nr0 s>>= 32\nr0 += 2\nexit\n", E::VerifierBadReturn, 4},
    // Both sides stay where the unsigned range reaches both.
    {"cross_sign_both_sides", "xdp_ret",
     "r0 = *(u32 *)(r1 + 12)\nr0 = (s8)r0\nr2 = -100\nif r0 > r2 goto out\nr0 >>= 5\nexit\nout: r0 = 0\nexit\n",
     E::VerifierBadReturn, 5},
    {"jgt_refines", "xdp", "r0 = *(u32 *)(r1 + 12)\nif r0 > 4 goto out\nexit\nout: r0 = 0\nexit\n", E::Ok},
    {"jge_refines_off_by_one", "xdp_ret", "r0 = *(u32 *)(r1 + 12)\nif r0 >= 6 goto out\nexit\nout: r0 = 0\nexit\n",
     E::VerifierBadReturn, 2},
    {"jlt_refines", "xdp", "r0 = *(u32 *)(r1 + 12)\nif r0 < 5 goto ok\nr0 = 0\nok: exit\n", E::Ok},
    {"signed_refines", "xdp",
     "r0 = *(u64 *)(r10 - 8)\nexit\n", E::VerifierUninitStack, 0},
    {"signed_both_ends", "xdp",
     "r0 = *(u32 *)(r1 + 12)\nr0 = (s32)r0\nif r0 s> 4 goto z\nif r0 s< 0 goto z\nexit\nz: r0 = 0\nexit\n", E::Ok},
    {"jmp32_refines", "xdp", "w0 = *(u32 *)(r1 + 12)\nif w0 > 4 goto z\nexit\nz: w0 = 0\nexit\n", E::Ok},
    {"jmp32_not_64", "xdp", "r0 = *(u64 *)(r1 + 0)\nexit\n", E::VerifierBadCtxAccess, 0},
    {"jeq_const_pins", "xdp", "r0 = *(u32 *)(r1 + 12)\nif r0 != 3 goto z\nexit\nz: r0 = 1\nexit\n", E::Ok},
    {"jset_clears_bits", "xdp", "r0 = *(u32 *)(r1 + 12)\nr0 &= 7\nif r0 & 4 goto z\nexit\nz: r0 = 0\nexit\n", E::Ok},
    // A 32-bit move of a number that fits 32 bits links the copy; one of a
    // wider number does not (its low half says nothing of the source).
    {"linked_by_mov32", "xdp_ret", "r0 = *(u32 *)(r1 + 12)\nw3 = w0\nif w0 > 4 goto out\nr0 = r3\nexit\nout: r0 = 0\nexit\n", E::Ok},
    {"mov32_of_wide_not_linked", "xdp_ret",
     "r0 = *(u32 *)(r1 + 12)\nr0 <<= 1\nw3 = w0\nif w3 > 4 goto out\nexit\nout: r0 = 0\nexit\n", E::VerifierBadReturn, 4},
    {"linked_scalars", "xdp", "r0 = *(u32 *)(r1 + 12)\nr2 = r0\nif r2 > 4 goto z\nexit\nz: r0 = 0\nexit\n", E::Ok},
    {"linked_broken_by_write", "xdp_ret",
     "r0 = *(u32 *)(r1 + 12)\nr2 = r0\nr2 += 0\nr0 += 1\nif r2 > 3 goto z\nexit\nz: r0 = 0\nexit\n", E::VerifierBadReturn, 5},
    // Regression: a state whose scalars were linked must not cover one where they are not.
    {"linked_scalars_not_pruned", "xdp",
     "r6 = *(u32 *)(r1 + 12)\nr6 &= 127\nr7 = *(u32 *)(r1 + 16)\nr7 &= 127\nr1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\n"
     "r2 += -4\nr1 = map_idx(1) ll\ncall 1\nif r0 == 0 goto out\nif r6 == 5 goto unlinked\nr8 = r6\ngoto join\n"
     "unlinked: r8 = r7\njoin: if r6 > 60 goto out\nr0 += r8\nr1 = *(u8 *)(r0 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierOutOfBounds, 18},
    {"mul_range", "xdp", "r0 = *(u32 *)(r1 + 12)\nr0 &= 1\nr0 *= 4\nexit\n", E::Ok},
    {"xor_self_unknown", "xdp_ret", "r0 = *(u32 *)(r1 + 12)\nr0 ^= 1\nexit\n", E::VerifierBadReturn, 2},
    {"sdiv_const", "xdp", "r0 = -8\nr0 s/= -4\nexit\n", E::Ok},
    {"smod_range", "xdp", "r0 = *(u32 *)(r1 + 12)\nr0 s%= 3\nr0 += 2\nexit\n", E::Ok},
    {"ptr_mul", "xdp", "r1 *= 2\nr0 = 0\nexit\n", E::VerifierBadPointerArith, 0},
    {"ptr_alu32", "xdp", "w1 += 1\nr0 = 0\nexit\n", E::VerifierBadPointerArith, 0},
    {"ptr_mov32", "xdp", "w2 = w1\nr0 = 0\nexit\n", E::VerifierPointerLeak, 0},
    {"ptr_movsx", "xdp", "r2 = (s32)r1\nr0 = 0\nexit\n", E::VerifierPointerLeak, 0},
    {"ptr_neg", "xdp", "r1 = -r1\nr0 = 0\nexit\n", E::VerifierBadPointerArith, 0},
    // Branches on pointers must not depend on host addresses (fuzz_verifier:
    // `if w8 s<= 0x6f` on a stack pointer stored to the context on one engine
    // and not on the other).
    {"ptr_cmp_jmp32_imm", "xdp", "r8 = r10\nr8 += -16\nr0 = 0\nif w8 s<= 0x6f goto +1\nr0 = 1\nexit\n",
     E::VerifierPointerLeak, 3},
    {"ptr_cmp_scalar", "xdp", "r2 = 4096\nr0 = 0\nif r10 > r2 goto +1\nr0 = 1\nexit\n", E::VerifierPointerLeak, 2},
    {"ptr_jset", "xdp", "r0 = 0\nif r1 & 0x1000 goto +1\nr0 = 1\nexit\n", E::VerifierPointerLeak, 1},
    {"ptr_cmp_ctx_stack", "xdp", "r0 = 0\nif r1 > r10 goto +1\nr0 = 1\nexit\n", E::VerifierPointerLeak, 1},
    {"ptr_cmp_null_ok", "xdp", "r0 = 0\nif r1 == 0 goto +1\nr0 = 1\nexit\n", E::Ok},
    {"ptr_cmp_same_frame_ok", "xdp",
     "r2 = r10\nr2 += -8\nr3 = r10\nr3 += -16\nr0 = 0\nif r3 < r2 goto +1\nr0 = 1\nexit\n", E::Ok},
    {"ptr_plus_ptr", "xdp", "r1 += r10\nr0 = 0\nexit\n", E::VerifierBadPointerArith, 0},
    // Subtraction from a stack pointer is refused (the kernel's rule); adding
    // a negative number is the way.
    {"stack_ptr_sub_imm", "xdp", "r1 = r10\nr1 -= 8\nr0 = 0\n*(u64 *)(r1 + 0) = r0\nexit\n", E::VerifierBadPointerArith, 1},
    {"stack_ptr_sub_reg", "xdp", "r2 = 8\nr1 = r10\nr1 -= r2\nr0 = 0\nexit\n", E::VerifierBadPointerArith, 2},
    {"scalar_minus_ptr", "xdp", "r2 = 5\nr2 -= r1\nr0 = 0\nexit\n", E::VerifierBadPointerArith, 1},
    {"return_pointer", "xdp", "r0 = r10\nexit\n", E::VerifierPointerLeak, 1},
    {"ptr_diff_stack", "xdp", "r2 = r10\nr2 += -8\nr3 = r10\nr3 -= r2\nr0 = r3\nr0 -= 6\nexit\n", E::Ok},
};

const Case kStack[] = {
    {"uninit_stack", "xdp", "r0 = *(u64 *)(r10 - 8)\nexit\n", E::VerifierUninitStack, 0},
    {"stack_oob_low", "xdp", "r2 = 0\n*(u64 *)(r10 - 520) = r2\nr0 = 0\nexit\n", E::VerifierOutOfBounds, 1},
    {"stack_oob_high", "xdp", "r2 = 0\n*(u64 *)(r10 + 0) = r2\nr0 = 0\nexit\n", E::VerifierOutOfBounds, 1},
    {"stack_oob_straddle", "xdp", "r2 = 0\n*(u64 *)(r10 - 4) = r2\nr0 = 0\nexit\n", E::VerifierOutOfBounds, 1},
    {"stack_misaligned", "xdp", "r2 = 0\n*(u32 *)(r10 - 6) = r2\nr0 = 0\nexit\n", E::VerifierMisaligned, 1},
    {"stack_512_ok", "xdp", "r2 = 0\n*(u64 *)(r10 - 512) = r2\nr0 = *(u64 *)(r10 - 512)\nexit\n", E::Ok},
    {"spill_fill_ctx", "xdp", "*(u64 *)(r10 - 8) = r1\nr1 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r1 + 12)\nr0 = 0\nexit\n", E::Ok},
    {"partial_fill_pointer", "xdp", "*(u64 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 8)\nr0 = 0\nexit\n", E::VerifierInvalidMemAccess, 1},
    {"narrow_spill_pointer", "xdp", "*(u32 *)(r10 - 8) = r1\nr0 = 0\nexit\n", E::VerifierPointerLeak, 0},
    {"spill_keeps_bounds", "xdp", "r2 = 3\n*(u64 *)(r10 - 8) = r2\nr0 = *(u64 *)(r10 - 8)\nexit\n", E::Ok},
    {"narrow_read_of_const", "xdp", "r2 = 0x200000001 ll\n*(u64 *)(r10 - 8) = r2\nr0 = *(u32 *)(r10 - 4)\nexit\n", E::Ok},
    {"zero_bytes", "xdp", "r2 = 0\n*(u32 *)(r10 - 4) = r2\nr0 = *(u32 *)(r10 - 4)\nexit\n", E::Ok},
    {"st_imm", "xdp", "*(u64 *)(r10 - 8) = 3\nr0 = *(u64 *)(r10 - 8)\nexit\n", E::Ok},
    {"misc_bytes_unknown", "xdp_ret", "r2 = *(u32 *)(r1 + 12)\n*(u32 *)(r10 - 4) = r2\nr0 = *(u32 *)(r10 - 4)\nexit\n",
     E::VerifierBadReturn, 3},
    {"narrow_spill_keeps_bounds", "xdp",
     "r2 = *(u32 *)(r1 + 12)\nr2 &= 3\n*(u32 *)(r10 - 8) = r2\nr0 = *(u32 *)(r10 - 8)\nexit\n", E::Ok},
    {"narrow_spill_then_wide_read", "xdp",
     "r2 = *(u32 *)(r1 + 12)\nr2 &= 3\n*(u32 *)(r10 - 8) = r2\nr0 = *(u64 *)(r10 - 8)\nexit\n", E::VerifierUninitStack, 3},
    {"narrow_spill_upper_half_read", "xdp_ret",
     "r2 = 7\n*(u64 *)(r10 - 8) = r2\nr2 = *(u32 *)(r1 + 12)\nr2 &= 3\n*(u32 *)(r10 - 8) = r2\nr0 = *(u32 *)(r10 - 4)\nexit\n",
     E::VerifierBadReturn, 6},
    {"half_init_read", "xdp", "r2 = 0\n*(u32 *)(r10 - 8) = r2\nr0 = *(u64 *)(r10 - 8)\nexit\n", E::VerifierUninitStack, 2},
    {"overwrite_spilled_ptr", "xdp",
     "*(u64 *)(r10 - 8) = r1\nr2 = 0\n*(u32 *)(r10 - 8) = r2\nr1 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r1 + 0)\nexit\n",
     E::VerifierPointerLeak, 2},  // the narrow write would leave pointer bytes readable (cases_privilege_test.cpp)
    {"var_offset_read", "xdp",
     "r2 = 0\n*(u64 *)(r10 - 8) = r2\n*(u64 *)(r10 - 16) = r2\nr3 = *(u32 *)(r1 + 12)\nr3 &= 8\nr4 = r10\nr4 += -16\n"
     "r4 += r3\nr0 = *(u64 *)(r4 + 0)\nr0 = 0\nexit\n",
     E::Ok},
    {"var_offset_read_uninit", "xdp",
     "r2 = 0\n*(u64 *)(r10 - 8) = r2\nr3 = *(u32 *)(r1 + 12)\nr3 &= 8\nr4 = r10\nr4 += -16\nr4 += r3\n"
     "r0 = *(u64 *)(r4 + 0)\nr0 = 0\nexit\n",
     E::VerifierUninitStack, 7},
    {"var_offset_oob", "xdp",
     "r3 = *(u32 *)(r1 + 12)\nr3 &= 16\nr4 = r10\nr4 += -16\nr4 += r3\nr0 = *(u64 *)(r4 + 0)\nr0 = 0\nexit\n",
     E::VerifierOutOfBounds, 5},
    {"stack_atomic", "xdp", "r2 = 1\n*(u64 *)(r10 - 8) = r2\nlock *(u64 *)(r10 - 8) += r2\nr0 = 0\nexit\n", E::Ok},
    {"stack_atomic_uninit", "xdp", "r2 = 1\nlock *(u64 *)(r10 - 8) += r2\nr0 = 0\nexit\n", E::VerifierUninitStack, 1},
    {"atomic_fetch_result", "xdp_ret",
     "r2 = 1\n*(u64 *)(r10 - 8) = r2\nr2 = atomic_fetch_add((u64 *)(r10 - 8), r2)\nr0 = r2\nexit\n", E::VerifierBadReturn, 4},
    // A spilled pointer's bytes never become a number: not through a
    // variable-offset read, nor left behind by a variable-offset write that
    // may miss them, nor fetched or rewritten by an atomic.
    {"var_offset_read_spilled_ptr", "xdp",
     "*(u64 *)(r10 - 8) = r10\nr2 = 0\n*(u64 *)(r10 - 16) = r2\nr3 = *(u32 *)(r1 + 12)\nr3 &= 8\nr4 = r10\nr4 += -16\n"
     "r4 += r3\nr0 = *(u64 *)(r4 + 0)\nr0 = 0\nexit\n",
     E::VerifierPointerLeak, 8},
    {"var_offset_write_spilled_ptr", "xdp",
     "*(u64 *)(r10 - 8) = r10\nr2 = 0\n*(u64 *)(r10 - 16) = r2\nr3 = *(u32 *)(r1 + 12)\nr3 &= 8\nr4 = r10\nr4 += -16\n"
     "r4 += r3\n*(u8 *)(r4 + 0) = r2\nr0 = *(u64 *)(r10 - 8)\nr0 = 0\nexit\n",
     E::VerifierPointerLeak, 8},
    {"var_offset_write_scalars_ok", "xdp",
     "r2 = 0\n*(u64 *)(r10 - 8) = r2\n*(u64 *)(r10 - 16) = r2\nr3 = *(u32 *)(r1 + 12)\nr3 &= 8\nr4 = r10\nr4 += -16\n"
     "r4 += r3\n*(u8 *)(r4 + 0) = r2\nr0 = *(u64 *)(r10 - 8)\nr0 = 0\nexit\n",
     E::Ok},
    {"stack_atomic_fetch_spilled_ptr", "xdp",
     "*(u64 *)(r10 - 8) = r10\nr1 = 0\nr1 = atomic_fetch_add((u64 *)(r10 - 8), r1)\nr0 = 0\nexit\n", E::VerifierPointerLeak, 2},
    {"stack_atomic_add_spilled_ptr", "xdp",
     "*(u64 *)(r10 - 8) = r10\nr1 = 8\nlock *(u64 *)(r10 - 8) += r1\nr0 = *(u64 *)(r10 - 8)\nr0 = 0\nexit\n",
     E::VerifierPointerLeak, 2},
    {"stack_xchg_spilled_ptr", "xdp",
     "*(u64 *)(r10 - 8) = r10\nr1 = 0\nr1 = xchg_64(r10 - 8, r1)\nr0 = 0\nexit\n", E::VerifierPointerLeak, 2},
};

const Case kCtx[] = {
    {"xdp_read_fields", "xdp_devmap", "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = *(u32 *)(r1 + 20)\nr0 = 2\nexit\n", E::Ok},
    {"xdp_write_field", "xdp", "r2 = 0\n*(u32 *)(r1 + 12) = r2\nr0 = 2\nexit\n", E::VerifierBadCtxAccess, 1},
    {"xdp_past_ctx", "xdp", "r2 = *(u32 *)(r1 + 24)\nr0 = 2\nexit\n", E::VerifierBadCtxAccess, 0},
    {"xdp_negative_off", "xdp", "r2 = *(u32 *)(r1 - 4)\nr0 = 2\nexit\n", E::VerifierBadCtxAccess, 0},
    {"xdp_narrow_scalar", "xdp", "r2 = *(u8 *)(r1 + 13)\nr0 = 2\nexit\n", E::VerifierBadCtxAccess, 0},
    {"xdp_signed_whole", "xdp", "r2 = *(s32 *)(r1 + 12)\nr0 = 2\nexit\n", E::Ok},
    {"xdp_narrow_u16", "xdp", "r2 = *(u32 *)(r1 + 16)\nr2 = *(u16 *)(r1 + 12)\nr0 = 2\nexit\n", E::VerifierBadCtxAccess, 1},
    {"xdp_narrow_pointer", "xdp", "r2 = *(u16 *)(r1 + 0)\nr0 = 2\nexit\n", E::VerifierBadCtxAccess, 0},
    {"xdp_straddle", "xdp", "r2 = *(u64 *)(r1 + 12)\nr0 = 2\nexit\n", E::VerifierBadCtxAccess, 0},
    {"ctx_var_offset", "xdp", "r2 = *(u32 *)(r1 + 12)\nr2 &= 4\nr1 += r2\nr0 = *(u32 *)(r1 + 12)\nr0 = 2\nexit\n",
     E::VerifierBadCtxAccess, 3},
    {"ctx_modified_pointer", "xdp", "r1 += 8\nr0 = *(u32 *)(r1 + 4)\nr0 = 2\nexit\n", E::VerifierBadCtxAccess, 1},
    {"skb_read_len", "socket_filter", "r0 = *(u32 *)(r1 + 0)\nexit\n", E::Ok},
    {"skb_sockfilter_no_data", "socket_filter", "r0 = *(u32 *)(r1 + 76)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"skb_sockfilter_write_mark", "socket_filter", "r2 = 1\n*(u32 *)(r1 + 8) = r2\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 1},
    {"skb_sockfilter_write_cb", "socket_filter", "r2 = 1\n*(u32 *)(r1 + 48) = r2\nr0 = 0\nexit\n", E::Ok},
    {"skb_tc_write_mark", "sched_cls", "r2 = 1\n*(u32 *)(r1 + 8) = r2\nr0 = 0\nexit\n", E::Ok},
    {"skb_tc_write_len", "sched_cls", "r2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 1},
    {"skb_store_pointer", "sched_cls", "*(u32 *)(r1 + 48) = r1\nr0 = 0\nexit\n", E::VerifierPointerLeak, 0},
    // Widths follow bpf_skb_is_valid_access: narrow aligned loads of u32
    // fields, whole stores, cb[] at any aligned width up to 8 bytes.
    {"skb_narrow_reads", "socket_filter", "r0 = *(u8 *)(r1 + 0)\nr0 = *(u16 *)(r1 + 2)\nr0 = *(u8 *)(r1 + 19)\nexit\n", E::Ok},
    {"skb_narrow_signed", "socket_filter", "r0 = *(s16 *)(r1 + 16)\nr0 = 0\nexit\n", E::Ok},
    {"skb_narrow_misaligned", "socket_filter", "r0 = *(u16 *)(r1 + 0)\nr0 = *(u16 *)(r1 + 1)\nexit\n", E::VerifierBadCtxAccess, 1},
    {"skb_tc_narrow_write", "sched_cls", "r2 = 1\n*(u32 *)(r1 + 8) = r2\n*(u8 *)(r1 + 8) = r2\nr0 = 0\nexit\n",
     E::VerifierBadCtxAccess, 2},
    {"skb_cb_narrow_write", "socket_filter", "r2 = 1\n*(u8 *)(r1 + 49) = r2\n*(u16 *)(r1 + 66) = r2\nr0 = 0\nexit\n", E::Ok},
    {"skb_cb_wide", "socket_filter", "r2 = 1\n*(u64 *)(r1 + 48) = r2\nr0 = *(u64 *)(r1 + 56)\nexit\n", E::Ok},
    {"skb_cb_wide_past", "socket_filter", "r0 = *(u64 *)(r1 + 56)\nr0 = *(u64 *)(r1 + 64)\nexit\n", E::VerifierBadCtxAccess, 1},
    {"skb_cb_wide_misaligned", "socket_filter", "r0 = *(u64 *)(r1 + 52)\nexit\n", E::VerifierBadCtxAccess, 0},
    {"skb_tc_data_narrow", "sched_cls", "r2 = *(u32 *)(r1 + 76)\nr2 = *(u16 *)(r1 + 76)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 1},
    {"skb_tc_tstamp", "sched_cls", "r0 = *(u64 *)(r1 + 152)\n*(u64 *)(r1 + 152) = r0\nr0 = *(u64 *)(r1 + 184)\nr0 = *(u8 *)(r1 + 180)\nr0 = 0\nexit\n", E::Ok},
    {"skb_tc_tstamp_narrow", "sched_cls", "r0 = *(u32 *)(r1 + 152)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"skb_tc_hwtstamp_narrow", "sched_cls", "r0 = *(u32 *)(r1 + 188)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"syscall_plain_ctx", "syscall", "r0 = *(u64 *)(r1 + 104)\nr0 = 0\nexit\n", E::Ok},
    {"syscall_misaligned_ctx", "syscall", "r0 = *(u64 *)(r1 + 100)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"syscall_past_ctx", "syscall", "r0 = *(u64 *)(r1 + 32760)\nr0 = *(u32 *)(r1 - 4)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 1},
    {"raw_ctx_len_in_r2", "raw", "r0 = r2\nexit\n", E::Ok},
    // Helpers are not checked at run time: a plain context whose length only
    // the run knows reaches them only inside a length proven from r2.
    {"raw_ctx_helper_unproven", "raw", "r2 = 16\ncall 16\nr0 = 0\nexit\n", E::VerifierOutOfBounds, 1},
    {"raw_ctx_helper_past_proven", "raw", "if r2 < 8 goto out\nr2 = 16\ncall 16\nout: r0 = 0\nexit\n", E::VerifierOutOfBounds, 2},
    {"raw_ctx_helper_proven_ok", "raw", "if r2 < 16 goto out\nr2 = 16\ncall 16\nout: r0 = 0\nexit\n", E::Ok},
    {"syscall_ctx_helper", "syscall", "r2 = 16\ncall 16\nr0 = 0\nexit\n", E::VerifierOutOfBounds, 1},
    // A typed context is never helper memory (xdp_md holds host address bits).
    {"xdp_ctx_helper_key", "xdp",
     "r2 = r1\nr1 = map_idx(0) ll\nr3 = 0\n*(u64 *)(r10 - 8) = r3\nr3 = r10\nr3 += -8\nr4 = 0\ncall 2\nr0 = 2\nexit\n",
     E::VerifierBadHelperArg, 8},
    {"xdp_ctx_field_key_ok", "xdp",
     "r2 = *(u32 *)(r1 + 12)\n*(u32 *)(r10 - 12) = r2\nr2 = r10\nr2 += -12\nr1 = map_idx(0) ll\nr3 = 0\n"
     "*(u64 *)(r10 - 8) = r3\nr3 = r10\nr3 += -8\nr4 = 0\ncall 2\nr0 = 2\nexit\n",
     E::Ok},
    {"uprobe_regs", "uprobe", "r0 = *(u64 *)(r1 + 112)\nr0 = 0\nexit\n", E::Ok},
    {"uprobe_write", "uprobe", "r2 = 0\n*(u64 *)(r1 + 112) = r2\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 1},
    // The kernel's tracing types: read-only contexts with its access widths.
    {"kprobe_narrow_reg", "kprobe", "r0 = *(u32 *)(r1 + 112)\nr0 = 0\nexit\n", E::Ok},
    {"kprobe_write", "kprobe", "r2 = 0\n*(u64 *)(r1 + 112) = r2\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 1},
    {"kprobe_past_regs", "kprobe", "r0 = *(u64 *)(r1 + 168)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"tracepoint_record", "tracepoint", "r0 = *(u64 *)(r1 + 8184)\nr2 = *(u8 *)(r1 + 9)\nr0 = 0\nexit\n", E::Ok},
    {"tracepoint_past_record", "tracepoint", "r0 = *(u8 *)(r1 + 8192)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"tracepoint_misaligned", "tracepoint", "r0 = *(u32 *)(r1 + 6)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"tracepoint_write", "tracepoint", "r2 = 0\n*(u32 *)(r1 + 8) = r2\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 1},
    {"raw_tp_args", "raw_tracepoint", "r0 = *(u64 *)(r1 + 0)\nr2 = *(u64 *)(r1 + 88)\nr0 = 0\nexit\n", E::Ok},
    {"raw_tp_narrow", "raw_tracepoint", "r0 = *(u32 *)(r1 + 12)\nr0 = 0\nexit\n", E::Ok},
    {"raw_tp_past_args", "raw_tracepoint", "r0 = *(u64 *)(r1 + 96)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"raw_tp_write", "raw_tracepoint", "r2 = 0\n*(u64 *)(r1 + 0) = r2\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 1},
    {"perf_event_fields", "perf_event", "r0 = *(u64 *)(r1 + 128)\nr2 = *(u32 *)(r1 + 172)\nr3 = *(u64 *)(r1 + 176)\nr0 = 0\nexit\n",
     E::Ok},
    {"perf_event_narrow_reg", "perf_event", "r0 = *(u32 *)(r1 + 128)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"kprobe_coarse_clock", "kprobe", "call 160\nr0 = 0\nexit\n", E::VerifierUnknownFunc, 0},
    {"tracepoint_clock", "tracepoint", "call 5\nr0 = 0\nexit\n", E::Ok},
    // cgroup socket-address hooks: the attach type's family, widths and return values.
    {"sa_connect4_ret2", "cgroup_inet4_connect", "r0 = 2\nexit\n", E::VerifierBadReturn, 1},
    {"sa_recvmsg4_ret0", "cgroup_udp4_recvmsg", "r0 = 0\nexit\n", E::VerifierBadReturn, 1},
    {"sa_bind6_ret3", "cgroup_inet6_bind", "r0 = 3\nexit\n", E::Ok},
    {"sa_connect4_ip4_narrow", "cgroup_inet4_connect", "r0 = *(u8 *)(r1 + 5)\nr0 = 1\nexit\n", E::Ok},
    {"sa_connect4_ip6", "cgroup_inet4_connect", "r0 = *(u32 *)(r1 + 8)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"sa_connect6_ip6_wide", "cgroup_inet6_connect", "r0 = *(u64 *)(r1 + 16)\nr2 = *(u16 *)(r1 + 22)\nr0 = 1\nexit\n", E::Ok},
    {"sa_connect6_ip6_wide_misaligned", "cgroup_inet6_connect", "r0 = *(u64 *)(r1 + 12)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"sa_sendmsg6_src_wide_write", "cgroup_udp6_sendmsg", "r2 = 0\n*(u64 *)(r1 + 48) = r2\nr0 = 1\nexit\n", E::Ok},
    {"sa_sendmsg6_src_wide_unaligned", "cgroup_udp6_sendmsg", "r2 = 0\n*(u64 *)(r1 + 40) = r2\nr0 = 1\nexit\n",
     E::VerifierBadCtxAccess, 1},
    {"sa_connect6_src", "cgroup_inet6_connect", "r0 = *(u32 *)(r1 + 44)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"sa_port_narrow_write", "cgroup_inet4_connect", "r2 = 0\n*(u16 *)(r1 + 24) = r2\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 1},
    {"sa_port_write", "cgroup_inet4_connect", "r2 = 0\n*(u32 *)(r1 + 24) = r2\nr0 = 1\nexit\n", E::Ok},
    {"sa_family_write", "cgroup_inet4_bind", "r2 = 0\n*(u32 *)(r1 + 28) = r2\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 1},
    {"sa_family_narrow", "cgroup_inet4_bind", "r0 = *(u16 *)(r1 + 28)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"sa_unix_ip4", "cgroup_unix_connect", "r0 = *(u32 *)(r1 + 4)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    // cgroup socket hooks: struct bpf_sock by attach type.
    {"sock_create_mark", "cgroup_inet_sock_create", "r2 = 1\n*(u32 *)(r1 + 16) = r2\nr0 = *(u32 *)(r1 + 0)\nr0 = 1\nexit\n", E::Ok},
    {"sock_create_mark_narrow", "cgroup_inet_sock_create", "r0 = *(u8 *)(r1 + 16)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"post_bind4_mark", "cgroup_inet4_post_bind", "r0 = *(u32 *)(r1 + 16)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"post_bind4_src", "cgroup_inet4_post_bind", "r0 = *(u16 *)(r1 + 26)\nr2 = *(u32 *)(r1 + 44)\nr0 = 1\nexit\n", E::Ok},
    {"post_bind4_src6", "cgroup_inet4_post_bind", "r0 = *(u32 *)(r1 + 28)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"post_bind6_src6", "cgroup_inet6_post_bind", "r0 = *(u32 *)(r1 + 40)\nr0 = 1\nexit\n", E::Ok},
    {"sock_create_src_port", "cgroup_inet_sock_create", "r0 = *(u32 *)(r1 + 44)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"sock_dst_port", "cgroup_inet_sock_release", "r0 = *(u32 *)(r1 + 48)\nr2 = *(u16 *)(r1 + 48)\nr3 = *(u8 *)(r1 + 49)\nr0 = 1\nexit\n",
     E::Ok},
    {"sock_dst_port_pad", "cgroup_inet_sock_release", "r0 = *(u16 *)(r1 + 50)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"sock_family_write", "cgroup_inet_sock_create", "r2 = 1\n*(u32 *)(r1 + 4) = r2\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 1},
    {"sock_ret2", "cgroup_inet_sock_create", "r0 = 2\nexit\n", E::VerifierBadReturn, 1},
    {"perf_event_past_end", "perf_event", "r0 = *(u64 *)(r1 + 184)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"ctx_atomic", "sched_cls", "r2 = 1\nlock *(u32 *)(r1 + 48) += w2\nr0 = 0\nexit\n", E::VerifierInvalidMemAccess, 1},
};

class ControlFlow : public ::testing::TestWithParam<Case> {};
TEST_P(ControlFlow, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, ControlFlow, ::testing::ValuesIn(kControlFlow), case_name);

class Scalars : public ::testing::TestWithParam<Case> {};
TEST_P(Scalars, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, Scalars, ::testing::ValuesIn(kScalars), case_name);

class Stack : public ::testing::TestWithParam<Case> {};
TEST_P(Stack, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, Stack, ::testing::ValuesIn(kStack), case_name);

class Ctx : public ::testing::TestWithParam<Case> {};
TEST_P(Ctx, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, Ctx, ::testing::ValuesIn(kCtx), case_name);

[[maybe_unused]] const bool registered_kControlFlow = register_cases(kControlFlow);
[[maybe_unused]] const bool registered_kScalars = register_cases(kScalars);
[[maybe_unused]] const bool registered_kStack = register_cases(kStack);
[[maybe_unused]] const bool registered_kCtx = register_cases(kCtx);

}  // namespace
}  // namespace decade::test
