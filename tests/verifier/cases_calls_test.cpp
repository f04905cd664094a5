// SPDX-License-Identifier: Apache-2.0
// Helper arguments, references (ring buffer), spin locks, BPF-to-BPF calls,
// callbacks, open-coded iterators and may_goto.
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

// Reserves 16 bytes from the ring buffer: the call is insn 4.
#define RESERVE "r1 = map_idx(2) ll\nr2 = 16\nr3 = 0\ncall 131\n"
// Looks up the locked map's value into r6 and takes its lock: the lock call is insn 10.
#define LOCKED                                                                                            \
  "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(4) ll\ncall 1\nif r0 == 0 goto out\n" \
  "r6 = r0\nr1 = r6\ncall 93\n"
#define ITER_NEW "r1 = r10\nr1 += -8\nr2 = 0\nr3 = 10\ncall_kfunc 0, 0\n"
// A loop over the iterator: the element is r0 from insn 9; ITER_END closes
// the loop body and destroys the iterator.
#define ITER_NEXT ITER_NEW "loop: r1 = r10\nr1 += -8\ncall_kfunc 1, 0\nif r0 == 0 goto done\n"
#define ITER_END "goto loop\ndone: r1 = r10\nr1 += -8\ncall_kfunc 2, 0\nr0 = 2\nexit\n"
// Tail-calls slot 0 of the prog_array (map 7) with the context in r1.
#define TAIL_CALL "r2 = map_idx(7) ll\nr3 = 0\ncall 12\n"
// Checks 14 packet bytes and keeps data in r7, the context in r6: insns 0-6.
#define PKT_R7 "r6 = r1\nr2 = *(u32 *)(r6 + 0)\nr3 = *(u32 *)(r6 + 4)\nr4 = r2\nr4 += 14\nif r4 > r3 goto out\nr7 = r2\n"
// Walks map N with callback `cb` and ctx = fp-8 (zeroed): the call is insn 9.
#define FOR_EACH(n)                                                                                      \
  "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = map_idx(" #n ") ll\nr2 = func(cb) ll\nr3 = r10\nr3 += -8\nr4 = 0\n" \
  "call 164\n"

const Case kHelpers[] = {
    {"comm_ok", "xdp", "r1 = r10\nr1 += -16\nr2 = 16\ncall 16\nr0 = 2\nexit\n", E::Ok},
    {"comm_size_zero", "xdp", "r1 = r10\nr1 += -16\nr2 = 0\ncall 16\nr0 = 2\nexit\n", E::VerifierBadHelperArg, 3},
    {"comm_size_unbounded", "xdp", "r2 = *(u32 *)(r1 + 12)\nr1 = r10\nr1 += -16\ncall 16\nr0 = 2\nexit\n", E::VerifierBadHelperArg, 3},
    // A variable size writes only its minimum surely: the rest of the buffer
    // keeps what it held (uninitialised, or a spilled pointer's bytes).
    {"comm_var_size_uninit", "xdp",
     "r2 = *(u32 *)(r1 + 12)\nr2 &= 15\nr2 += 1\nr1 = r10\nr1 += -16\ncall 16\nr0 = *(u64 *)(r10 - 8)\nr0 = 2\nexit\n",
     E::VerifierUninitStack, 6},
    {"comm_var_size_sure_bytes_ok", "xdp",
     "r2 = *(u32 *)(r1 + 12)\nr2 &= 15\nr2 += 1\nr1 = r10\nr1 += -16\ncall 16\nr0 = *(u8 *)(r10 - 16)\nr0 = 2\nexit\n",
     E::Ok},
    {"comm_var_size_spilled_ptr", "xdp",
     "*(u64 *)(r10 - 8) = r10\nr2 = *(u32 *)(r1 + 12)\nr2 &= 15\nr2 += 1\nr1 = r10\nr1 += -16\ncall 16\nr0 = 2\nexit\n",
     E::VerifierPointerLeak, 6},
    {"comm_size_bounded", "xdp",
     "r2 = *(u32 *)(r1 + 12)\nif r2 > 16 goto out\nif r2 == 0 goto out\nr1 = r10\nr1 += -16\ncall 16\nout: r0 = 2\nexit\n", E::Ok},
    {"comm_buffer_small", "xdp", "r1 = r10\nr1 += -8\nr2 = 16\ncall 16\nr0 = 2\nexit\n", E::VerifierOutOfBounds, 3},
    {"comm_size_uninit", "xdp", "r1 = r10\nr1 += -16\ncall 16\nr0 = 2\nexit\n", E::VerifierUninitRegister, 2},
    {"comm_into_map", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(1) ll\ncall 1\nif r0 == 0 goto out\n"
     "r1 = r0\nr2 = 64\ncall 16\nout: r0 = 2\nexit\n",
     E::Ok},
    {"comm_into_map_oob", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(1) ll\ncall 1\nif r0 == 0 goto out\n"
     "r1 = r0\nr1 += 8\nr2 = 64\ncall 16\nout: r0 = 2\nexit\n",
     E::VerifierOutOfBounds, 11},
    // Helpers that read host memory: tracing types only, with the host's grant
    // (tests/api/escape_engines_test.cpp loads them granted).
    {"probe_read_not_granted", "uprobe", "r3 = 0\nr1 = r10\nr1 += -8\nr2 = 8\ncall 4\nr0 = *(u64 *)(r10 - 8)\nr0 = 2\nexit\n",
     E::VerifierNotGranted, 4},
    {"probe_read_packet_type", "xdp", "r3 = 0\nr1 = r10\nr1 += -8\nr2 = 8\ncall 4\nr0 = 2\nexit\n",
     E::VerifierNotGranted, 4},
    {"strncmp_rodata", "xdp",
     "r2 = 0\n*(u64 *)(r10 - 8) = r2\nr1 = r10\nr1 += -8\nr2 = 4\nr3 = map_idx_value(3, 8) ll\ncall 182\nr0 = 2\nexit\n", E::Ok},
    {"strncmp_not_rodata", "xdp",
     "r2 = 0\n*(u64 *)(r10 - 8) = r2\nr1 = r10\nr1 += -8\nr2 = 4\nr3 = map_idx_value(8, 0) ll\ncall 182\nr0 = 2\nexit\n",
     E::VerifierBadHelperArg, 7},
    {"printk_stack_fmt", "xdp", "r1 = 0x6968\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -8\nr2 = 8\ncall 6\nr0 = 2\nexit\n", E::Ok},
    // Uninitialised stack holds what earlier functions or runs left there
    // (host addresses): no helper may read it.
    {"printk_uninit_fmt", "xdp", "r1 = r10\nr1 += -8\nr2 = 8\ncall 6\nr0 = 2\nexit\n", E::VerifierUninitStack, 3},
    {"helper_not_allowed", "xdp", "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\ncall 26\nr0 = 2\nexit\n", E::VerifierUnknownFunc, 4},
    {"helper_unknown", "xdp", "call 9999\nr0 = 2\nexit\n", E::VerifierUnknownFunc, 0},
    {"helper_clobbers_r1", "xdp", "call 5\nr0 = r1\nexit\n", E::VerifierUninitRegister, 1},
    // bpf_get_smp_processor_id is bpf_fastcall; r1-r5 are clobbered all the same (kernel: "R1 !read_ok").
    {"fastcall_helper_clobbers_r1", "xdp", "call 8\nr0 = *(u32 *)(r1 + 0)\nr0 = 0\nexit\n", E::VerifierUninitRegister, 1},
    {"fastcall_helper_clobbers_r5", "xdp", "r5 = 1\ncall 8\nr0 = r5\nexit\n", E::VerifierUninitRegister, 2},
    {"helper_keeps_r6", "xdp", "r6 = 2\ncall 5\nr0 = r6\nexit\n", E::Ok},
    {"helper_result_unknown", "xdp_ret", "call 7\nexit\n", E::VerifierBadReturn, 1},
    {"xdp_adjust_head", "xdp", "r2 = 4\ncall 44\nr0 = 2\nexit\n", E::Ok},
    {"xdp_adjust_head_scalar_ctx", "xdp", "r1 = 0\nr2 = 4\ncall 44\nr0 = 2\nexit\n", E::VerifierBadHelperArg, 2},
    {"kfunc_unknown", "xdp", "call_kfunc 99, 0\nr0 = 2\nexit\n", E::VerifierUnknownFunc, 0},
    // bpf_redirect: xdp and tc only; bpf_redirect_map: the redirect map types only.
    {"redirect_xdp", "xdp", "r1 = 3\nr2 = 0\ncall 23\nexit\n", E::Ok},
    {"redirect_tc", "sched_cls", "r1 = 3\nr2 = 1\ncall 23\nexit\n", E::Ok},
    {"redirect_socket_filter", "socket_filter", "r1 = 3\nr2 = 0\ncall 23\nexit\n", E::VerifierUnknownFunc, 2},
    {"redirect_map_array", "xdp", "r1 = map_idx(1) ll\nr2 = 0\nr3 = 0\ncall 51\nexit\n", E::VerifierBadMap, 4},
    {"redirect_map_tc", "sched_cls", "r1 = map_idx(1) ll\nr2 = 0\nr3 = 0\ncall 51\nexit\n", E::VerifierUnknownFunc, 4},
    // bpf_fib_lookup reads its params: they must be initialised.
    {"fib_lookup_uninit_params", "xdp", "r2 = r10\nr2 += -64\nr3 = 64\nr4 = 0\ncall 69\nr0 = 2\nexit\n",
     E::VerifierUninitStack, 4},
    {"fib_lookup_socket_filter", "socket_filter", "r2 = r10\nr2 += -64\nr3 = 64\nr4 = 0\ncall 69\nr0 = 0\nexit\n",
     E::VerifierUnknownFunc, 4},
};

const Case kRefs[] = {
    {"rb_submit", "xdp", RESERVE "if r0 == 0 goto out\nr1 = 7\n*(u64 *)(r0 + 8) = r1\nr1 = r0\nr2 = 0\ncall 132\nout: r0 = 2\nexit\n", E::Ok},
    {"rb_discard", "xdp", RESERVE "if r0 == 0 goto out\nr1 = r0\nr2 = 0\ncall 133\nout: r0 = 2\nexit\n", E::Ok},
    {"rb_leak", "xdp", RESERVE "if r0 == 0 goto out\nr0 = 2\nexit\nout: r0 = 2\nexit\n", E::VerifierRefLeak, 4},
    {"rb_path_reads_uninit_stack", "xdp",
     RESERVE "if r0 == 0 goto out\nr6 = r0\nr7 = *(u32 *)(r10 - 4)\nexit\nout: r0 = 2\nexit\n", E::VerifierUninitStack, 7},
    {"rb_no_null_check", "xdp", RESERVE "r1 = r0\nr2 = 0\ncall 132\nr0 = 2\nexit\n", E::VerifierBadRelease, 7},
    {"rb_double_submit", "xdp",
     RESERVE "if r0 == 0 goto out\nr6 = r0\nr1 = r6\nr2 = 0\ncall 132\nr1 = r6\nr2 = 0\ncall 132\nout: r0 = 2\nexit\n",
     E::VerifierBadRelease, 12},
    {"rb_use_after_submit", "xdp",
     RESERVE "if r0 == 0 goto out\nr6 = r0\nr1 = r6\nr2 = 0\ncall 132\nr1 = *(u64 *)(r6 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierInvalidMemAccess, 10},
    {"rb_oob", "xdp",
     RESERVE "if r0 == 0 goto out\nr1 = 7\n*(u64 *)(r0 + 12) = r1\nr1 = r0\nr2 = 0\ncall 132\nout: r0 = 2\nexit\n",
     E::VerifierOutOfBounds, 7},
    {"rb_size_unknown", "xdp", "r2 = *(u32 *)(r1 + 12)\nr1 = map_idx(2) ll\nr3 = 0\ncall 131\nr0 = 2\nexit\n", E::VerifierBadHelperArg, 4},
    {"rb_submit_moved_ptr", "xdp", RESERVE "if r0 == 0 goto out\nr1 = r0\nr1 += 8\nr2 = 0\ncall 132\nout: r0 = 2\nexit\n",
     E::VerifierBadRelease, 9},
    {"rb_submit_scalar", "xdp", "r1 = 0\nr2 = 0\ncall 132\nr0 = 2\nexit\n", E::VerifierBadRelease, 2},
    {"rb_output", "xdp",
     "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = map_idx(2) ll\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 130\nr0 = 2\nexit\n", E::Ok},
    {"rb_output_on_hash", "xdp",
     "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = map_idx(0) ll\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 130\nr0 = 2\nexit\n",
     E::VerifierBadMap, 8},
    {"rb_store_record_ptr_in_map", "xdp",
     RESERVE "if r0 == 0 goto out\n*(u64 *)(r0 + 0) = r0\nr1 = r0\nr2 = 0\ncall 132\nout: r0 = 2\nexit\n", E::VerifierPointerLeak, 6},
    {"rb_tail_call_with_ref", "xdp",
     "r9 = r1\n" RESERVE "if r0 == 0 goto out\nr6 = r0\nr1 = r9\nr2 = map_idx(7) ll\nr3 = 0\ncall 12\nr1 = r6\nr2 = 0\ncall 132\n"
     "out: r0 = 2\nexit\n",
     E::VerifierRefLeak, 5},
};

const Case kLocks[] = {
    {"lock_ok", "xdp", LOCKED "r1 = *(u64 *)(r6 + 8)\nr1 = r6\ncall 94\nout: r0 = 2\nexit\n", E::Ok},
    {"lock_exit_held", "xdp", LOCKED "r0 = 2\nexit\nout: r0 = 2\nexit\n", E::VerifierLock, 12},
    {"lock_call_held", "xdp", LOCKED "call 5\nr1 = r6\ncall 94\nout: r0 = 2\nexit\n", E::VerifierLock, 11},
    {"lock_twice", "xdp", LOCKED "r1 = r6\ncall 93\nr1 = r6\ncall 94\nout: r0 = 2\nexit\n", E::VerifierLock, 12},
    {"unlock_unlocked", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(4) ll\ncall 1\nif r0 == 0 goto out\n"
     "r1 = r0\ncall 94\nout: r0 = 2\nexit\n",
     E::VerifierLock, 9},
    {"lock_direct_access", "xdp", LOCKED "r1 = *(u32 *)(r6 + 0)\nr1 = r6\ncall 94\nout: r0 = 2\nexit\n", E::VerifierLock, 11},
    {"lock_wrong_offset", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(4) ll\ncall 1\nif r0 == 0 goto out\n"
     "r1 = r0\nr1 += 4\ncall 93\nout: r0 = 2\nexit\n",
     E::VerifierLock, 10},
    {"lock_map_without_lock", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(1) ll\ncall 1\nif r0 == 0 goto out\n"
     "r1 = r0\ncall 93\nout: r0 = 2\nexit\n",
     E::VerifierLock, 9},
    {"lock_local_call_ok", "xdp", LOCKED "call f\nr1 = r6\ncall 94\nout: r0 = 2\nexit\nf: r0 = 0\nexit\n", E::Ok},
    // A helper writing the lock word (here bpf_get_current_comm) leaves it
    // taken: the next bpf_spin_lock spins forever.
    {"lock_helper_writes_lock", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(4) ll\ncall 1\nif r0 == 0 goto out\n"
     "r1 = r0\nr2 = 8\ncall 16\nout: r0 = 2\nexit\n",
     E::VerifierLock, 10},
    {"lock_helper_past_lock_ok", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(4) ll\ncall 1\nif r0 == 0 goto out\n"
     "r1 = r0\nr1 += 4\nr2 = 8\ncall 16\nout: r0 = 2\nexit\n",
     E::Ok},
};

const Case kFunctions[] = {
    {"sub_writes_caller_stack", "xdp",
     "r1 = r10\nr1 += -8\ncall f\nr0 = *(u64 *)(r10 - 8)\nexit\nf: r2 = 2\n*(u64 *)(r1 + 0) = r2\nr0 = 0\nexit\n", E::Ok},
    {"sub_reads_uninit_caller_stack", "xdp", "r1 = r10\nr1 += -8\ncall f\nr0 = 2\nexit\nf: r0 = *(u64 *)(r1 + 0)\nexit\n",
     E::VerifierUninitStack, 5},
    {"sub_returns_own_stack", "xdp_ret", "call f\nr0 = 2\nexit\nf: r0 = r10\nexit\n", E::VerifierBadReturn, 4},
    {"sub_leaks_own_stack_to_caller", "xdp_ret",
     "r1 = r10\nr1 += -8\ncall f\nr1 = *(u64 *)(r10 - 8)\nr0 = *(u64 *)(r1 + 0)\nexit\n"
     "f: r2 = r10\nr2 += -16\n*(u64 *)(r1 + 0) = r2\nr0 = 0\nexit\n",
     E::VerifierBadReturn, 10},
    {"sub_clobbers_r1", "xdp", "call f\nr0 = r1\nexit\nf: r0 = 0\nexit\n", E::VerifierUninitRegister, 1},
    {"sub_keeps_r6", "xdp", "r6 = 2\ncall f\nr0 = r6\nexit\nf: r6 = 9\nr0 = 0\nexit\n", E::Ok},
    {"sub_gets_args", "xdp", "r1 = 3\ncall f\nexit\nf: r0 = r1\nr0 -= 1\nexit\n", E::Ok},
    {"sub_no_r6", "xdp", "r6 = 1\ncall f\nexit\nf: r0 = r6\nexit\n", E::VerifierUninitRegister, 3},
    {"sub_return_value_checked", "xdp_ret", "r1 = 9\ncall f\nexit\nf: r0 = r1\nexit\n", E::VerifierBadReturn, 2},
    {"sub_ctx_arg", "xdp", "call f\nr0 = 2\nexit\nf: r0 = *(u32 *)(r1 + 12)\nexit\n", E::Ok},
    {"sub_called_twice_different_args", "xdp",
     "r1 = 1\ncall f\nr1 = 9\ncall f\nr0 = 2\nexit\nf: r2 = r10\nr2 += -8\nr2 += r1\n*(u8 *)(r2 + 0) = r1\nr0 = 0\nexit\n",
     E::VerifierOutOfBounds, 9},
    {"call_depth_8_ok", "xdp",
     "call f1\nexit\nf1: call f2\nexit\nf2: call f3\nexit\nf3: call f4\nexit\nf4: call f5\nexit\nf5: call f6\nexit\n"
     "f6: call f7\nexit\nf7: r0 = 0\nexit\n",
     E::Ok},
    {"call_depth_9", "xdp",
     "call f1\nexit\nf1: call f2\nexit\nf2: call f3\nexit\nf3: call f4\nexit\nf4: call f5\nexit\nf5: call f6\nexit\n"
     "f6: call f7\nexit\nf7: call f8\nexit\nf8: r0 = 0\nexit\n",
     E::VerifierCallDepth, 14},
    {"stack_chain_over_512", "xdp",
     "r2 = 0\n*(u64 *)(r10 - 304) = r2\ncall f\nexit\nf: r2 = 0\n*(u64 *)(r10 - 304) = r2\nr0 = 0\nexit\n",
     E::VerifierStackLimit, 2},
    // The chain passes 512 bytes before the endless loop: rejected at once,
    // not after exploring the loop to the instruction budget.
    {"stack_chain_over_512_before_loop", "xdp",
     "r2 = 0\n*(u64 *)(r10 - 304) = r2\ncall f\nexit\nf: r2 = 0\n*(u64 *)(r10 - 304) = r2\n"
     "l: r2 += 1\nif r2 != 0 goto l\nr0 = 0\nexit\n",
     E::VerifierStackLimit, 2},
    {"stack_chain_fits", "xdp",
     "r2 = 0\n*(u64 *)(r10 - 256) = r2\ncall f\nexit\nf: r2 = 0\n*(u64 *)(r10 - 256) = r2\nr0 = 0\nexit\n", E::Ok},
    // A taken tail call in a function returns the target's r0 to the caller
    // after the target may have moved or resized the packet.
    {"sub_tail_call_kills_packet", "xdp",
     PKT_R7 "r1 = r6\ncall f\nr0 = *(u8 *)(r7 + 0)\nout: r0 = 2\nexit\nf: " TAIL_CALL "r0 = 0\nexit\n",
     E::VerifierInvalidMemAccess, 9},
    {"sub_nested_tail_call_kills_packet", "xdp",
     PKT_R7 "r1 = r6\ncall f\nr0 = *(u8 *)(r7 + 0)\nout: r0 = 2\nexit\nf: call g\nr0 = 0\nexit\ng: " TAIL_CALL "r0 = 0\nexit\n",
     E::VerifierInvalidMemAccess, 9},
    {"sub_tail_call_reload_packet", "xdp",
     PKT_R7 "r1 = r6\ncall f\nr2 = *(u32 *)(r6 + 0)\nr3 = *(u32 *)(r6 + 4)\nr4 = r2\nr4 += 14\nif r4 > r3 goto out\n"
     "r0 = *(u8 *)(r2 + 13)\nout: r0 = 2\nexit\nf: " TAIL_CALL "r0 = 0\nexit\n",
     E::Ok},
    {"sub_tail_call_result_unknown", "xdp",
     "call f\nr1 = map_idx_value(1, 0) ll\nr1 += r0\nr0 = *(u8 *)(r1 + 0)\nr0 = 2\nexit\nf: " TAIL_CALL "r0 = 0\nexit\n",
     E::VerifierBadPointerArith, 3},
    {"main_tail_call_keeps_packet", "xdp", PKT_R7 "r1 = r6\n" TAIL_CALL "r0 = *(u8 *)(r7 + 0)\nout: r0 = 2\nexit\n", E::Ok},
    {"loop_cb_tail_call_kills_packet", "xdp",
     PKT_R7 "*(u64 *)(r10 - 8) = r6\nr1 = 1\nr2 = func(cb) ll\nr3 = r10\nr3 += -8\nr4 = 0\ncall 181\n"
     "r0 = *(u8 *)(r7 + 0)\nout: r0 = 2\nexit\ncb: r1 = *(u64 *)(r2 + 0)\n" TAIL_CALL "r0 = 0\nexit\n",
     E::VerifierInvalidMemAccess, 15},
    {"loop_cb", "xdp", "r1 = 10\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\nr0 = 2\nexit\ncb: r0 = 0\nexit\n", E::Ok},
    {"loop_cb_bad_return", "xdp", "r1 = 10\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\nr0 = 2\nexit\ncb: r0 = 2\nexit\n",
     E::VerifierBadCallback, 9},
    {"loop_cb_uninit_r0", "xdp", "r1 = 10\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\nr0 = 2\nexit\ncb: exit\n",
     E::VerifierUninitRegister, 8},
    {"loop_cb_counter_in_ctx", "xdp",
     "r6 = 0\n*(u64 *)(r10 - 8) = r6\nr1 = 10\nr2 = func(cb) ll\nr3 = r10\nr3 += -8\nr4 = 0\ncall 181\n"
     "r0 = *(u64 *)(r10 - 8)\nr0 = 2\nexit\n"
     "cb: r3 = *(u64 *)(r2 + 0)\nr3 += 1\n*(u64 *)(r2 + 0) = r3\nr0 = 0\nexit\n",
     E::Ok},
    {"loop_cb_ctx_oob", "xdp",
     "r6 = 0\n*(u64 *)(r10 - 8) = r6\nr1 = 10\nr2 = func(cb) ll\nr3 = r10\nr3 += -8\nr4 = 0\ncall 181\nr0 = 2\nexit\n"
     "cb: r3 = *(u64 *)(r2 + 8)\nr0 = 0\nexit\n",
     E::VerifierOutOfBounds, 11},
    // A callback's first instruction is a runtime-bounded loop point only
    // for a new run of the callback: a jump or callx back to it is an
    // ordinary loop (both spun forever after verification).
    {"loop_cb_spins", "xdp", "r1 = 10\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\nr0 = 2\nexit\ncb: goto cb\n",
     E::VerifierInfiniteLoop, 8},
    {"loop_cb_spins_later", "xdp", "r1 = 10\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\nr0 = 2\nexit\ncb: r0 = 0\ngoto cb\n",
     E::VerifierInfiniteLoop, 8},
    {"loop_cb_bounded_jump_to_entry", "xdp",
     "r1 = 10\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\nr0 = 2\nexit\ncb: r1 += 1\nif r1 < 100 goto cb\nr0 = 0\nexit\n", E::Ok},
    {"callx_loop_spins", "xdp", "l: r1 = func(f) ll\ncallx r1\ngoto l\nf: r0 = 0\nexit\n", E::VerifierInfiniteLoop, 0},
    {"loop_cb_not_func", "xdp", "r1 = 10\nr2 = 0\nr3 = 0\nr4 = 0\ncall 181\nr0 = 2\nexit\n", E::VerifierBadHelperArg, 4},
    {"for_each_cb", "xdp",
     "r1 = map_idx(1) ll\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 164\nr0 = 2\nexit\ncb: r0 = *(u64 *)(r3 + 56)\nr0 = 0\nexit\n", E::Ok},
    {"for_each_cb_oob", "xdp",
     "r1 = map_idx(1) ll\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 164\nr0 = 2\nexit\ncb: r0 = *(u64 *)(r3 + 60)\nr0 = 0\nexit\n",
     E::VerifierOutOfBounds, 9},
    // The key a for_each callback gets is read-only and key_size bytes long
    // (as in the kernel): writing it rewrote a hash map's stored key or
    // moved an array walk back. Callback code starts at insn 12.
    {"for_each_key_read", "xdp", FOR_EACH(0) "r0 = 2\nexit\ncb: r0 = *(u32 *)(r2 + 0)\nr0 = 0\nexit\n", E::Ok},
    {"for_each_key_read_oob", "xdp", FOR_EACH(0) "r0 = 2\nexit\ncb: r0 = *(u32 *)(r2 + 4)\nr0 = 0\nexit\n",
     E::VerifierOutOfBounds, 12},
    {"for_each_key_write_hash", "xdp", FOR_EACH(0) "r0 = 2\nexit\ncb: *(u32 *)(r2 + 0) = 1\nr0 = 0\nexit\n",
     E::VerifierReadOnly, 12},
    {"for_each_key_write_array", "xdp", FOR_EACH(1) "r0 = 2\nexit\ncb: r1 = 7\n*(u32 *)(r2 + 0) = r1\nr0 = 0\nexit\n",
     E::VerifierReadOnly, 13},
    {"for_each_key_atomic", "xdp", FOR_EACH(0) "r0 = 2\nexit\ncb: r1 = 1\nlock *(u32 *)(r2 + 0) += r1\nr0 = 0\nexit\n",
     E::VerifierInvalidMemAccess, 13},
    {"for_each_key_helper_writes", "xdp", FOR_EACH(0) "r0 = 2\nexit\ncb: r1 = r2\nr2 = 4\ncall 16\nr0 = 0\nexit\n",
     E::VerifierReadOnly, 14},
    {"for_each_key_helper_reads", "xdp", FOR_EACH(0) "r0 = 2\nexit\ncb: r1 = map_idx(0) ll\ncall 1\nr0 = 0\nexit\n", E::Ok},
    // A key (or value) pointer the callback leaves in its caller's stack is
    // valid after the walk (the run owns the key), and still read-only.
    {"for_each_key_kept_read", "xdp",
     FOR_EACH(0) "r1 = *(u64 *)(r10 - 8)\nif r1 == 0 goto out\nr0 = *(u32 *)(r1 + 0)\nout: r0 = 2\nexit\n"
     "cb: *(u64 *)(r4 + 0) = r2\nr0 = 0\nexit\n",
     E::Ok},
    {"for_each_key_kept_write", "xdp",
     FOR_EACH(0) "r1 = *(u64 *)(r10 - 8)\nif r1 == 0 goto out\n*(u32 *)(r1 + 0) = 7\nout: r0 = 2\nexit\n"
     "cb: *(u64 *)(r4 + 0) = r2\nr0 = 0\nexit\n",
     E::VerifierReadOnly, 12},
    {"for_each_value_kept_write", "xdp",
     FOR_EACH(0) "r1 = *(u64 *)(r10 - 8)\nif r1 == 0 goto out\n*(u64 *)(r1 + 0) = 7\nout: r0 = 2\nexit\n"
     "cb: *(u64 *)(r4 + 0) = r3\nr0 = 0\nexit\n",
     E::Ok},
    // A callback's own stack dies with it: its address may not stay behind.
    {"loop_cb_leaves_own_stack", "xdp",
     "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = 4\nr2 = func(cb) ll\nr3 = r10\nr3 += -8\nr4 = 0\ncall 181\nr0 = 2\nexit\n"
     "cb: *(u64 *)(r2 + 0) = r10\nr0 = 0\nexit\n",
     E::VerifierBadReturn, 13},
};

// bpf_loop(N, cb, &counter, 0) with a callback that counts its runs at
// fp-8; the caller then tests the counter (bad: an uninitialised read).
#define LOOP_COUNT(n, test)                                                                                     \
  "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = " n "\nr2 = func(cb) ll\nr3 = r10\nr3 += -8\nr4 = 0\ncall 181\n"         \
  "r1 = *(u64 *)(r10 - 8)\n" test "r0 = 2\nexit\nbad: r0 = *(u64 *)(r10 - 16)\nexit\n"                         \
  "cb: r1 = *(u64 *)(r2 + 0)\nr1 += 1\n*(u64 *)(r2 + 0) = r1\nr0 = 0\nexit\n"

const Case kLoops[] = {
    // The callback runs at most nr_loops times (r1's largest value), as the
    // kernel explores it; never for 0.
    {"bpf_loop_runs_at_most_n", "xdp", LOOP_COUNT("1", "if r1 > 1 goto bad\n"), E::Ok},
    {"bpf_loop_runs_up_to_n", "xdp", LOOP_COUNT("2", "if r1 > 1 goto bad\n"), E::VerifierUninitStack, 13},
    {"bpf_loop_may_run_none", "xdp", LOOP_COUNT("1", "if r1 == 0 goto bad\n"), E::VerifierUninitStack, 13},
    {"bpf_loop_unknown_count", "xdp",
     "r6 = *(u32 *)(r1 + 12)\nr1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = r6\nr2 = func(cb) ll\nr3 = r10\nr3 += -8\nr4 = 0\n"
     "call 181\nr1 = *(u64 *)(r10 - 8)\nif r1 > 20 goto bad\nr0 = 2\nexit\nbad: r0 = *(u64 *)(r10 - 16)\nexit\n"
     "cb: r1 = *(u64 *)(r2 + 0)\nr1 += 1\n*(u64 *)(r2 + 0) = r1\nr0 = 0\nexit\n",
     E::VerifierUninitStack, 14},
    {"bpf_loop_zero_skips_callback", "xdp",
     "r1 = 0\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\nr0 = 2\nexit\ncb: r0 = *(u64 *)(r10 - 8)\nexit\n", E::Ok},
    {"iter_loop", "xdp",
     ITER_NEW "loop: r1 = r10\nr1 += -8\ncall_kfunc 1, 0\nif r0 == 0 goto done\nr6 = *(u32 *)(r0 + 0)\ngoto loop\n"
     "done: r1 = r10\nr1 += -8\ncall_kfunc 2, 0\nr0 = 2\nexit\n",
     E::Ok},
    {"iter_loop_counter", "xdp",
     "r7 = 0\n" ITER_NEW "loop: r1 = r10\nr1 += -8\ncall_kfunc 1, 0\nif r0 == 0 goto done\nr7 += 1\ngoto loop\n"
     "done: r1 = r10\nr1 += -8\ncall_kfunc 2, 0\nr0 = 2\nexit\n",
     E::Ok},
    {"iter_not_destroyed", "xdp",
     ITER_NEW "loop: r1 = r10\nr1 += -8\ncall_kfunc 1, 0\nif r0 == 0 goto done\ngoto loop\ndone: r0 = 2\nexit\n",
     E::VerifierRefLeak, 4},
    {"iter_next_uninit", "xdp", "r1 = r10\nr1 += -8\ncall_kfunc 1, 0\nr0 = 2\nexit\n", E::VerifierIterator, 2},
    {"iter_double_new", "xdp", ITER_NEW ITER_NEW "r1 = r10\nr1 += -8\ncall_kfunc 2, 0\nr0 = 2\nexit\n", E::VerifierIterator, 9},
    {"iter_element_oob", "xdp",
     ITER_NEW "loop: r1 = r10\nr1 += -8\ncall_kfunc 1, 0\nif r0 == 0 goto done\nr6 = *(u64 *)(r0 + 0)\ngoto loop\n"
     "done: r1 = r10\nr1 += -8\ncall_kfunc 2, 0\nr0 = 2\nexit\n",
     E::VerifierOutOfBounds, 9},
    // Iterator elements are the iterator's state: read-only.
    {"iter_element_write", "xdp", ITER_NEXT "r1 = 0\n*(u32 *)(r0 + 0) = r1\n" ITER_END, E::VerifierReadOnly, 10},
    {"iter_element_store_imm", "xdp", ITER_NEXT "*(u32 *)(r0 + 0) = 0\n" ITER_END, E::VerifierReadOnly, 9},
    {"iter_element_atomic", "xdp", ITER_NEXT "r1 = 1\nlock *(u32 *)(r0 + 0) += w1\n" ITER_END, E::VerifierReadOnly, 10},
    {"iter_element_helper_write", "xdp", ITER_NEXT "r1 = r0\nr2 = 4\ncall 16\n" ITER_END, E::VerifierReadOnly, 11},
    {"iter_element_spilled_write", "xdp",
     ITER_NEXT "*(u64 *)(r10 - 16) = r0\nr1 = *(u64 *)(r10 - 16)\nr2 = 0\n*(u32 *)(r1 + 0) = r2\n" ITER_END,
     E::VerifierReadOnly, 12},
    {"iter_element_helper_read", "xdp",
     ITER_NEXT "r2 = r0\nr1 = map_idx(2) ll\nr3 = 4\nr4 = 0\ncall 130\n" ITER_END, E::Ok},
    {"iter_state_overwrite", "xdp", ITER_NEW "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr0 = 2\nexit\n", E::VerifierIterator, 6},
    {"may_goto_loop", "xdp", "r0 = 0\nl: may_goto out\nr0 += 1\ngoto l\nout: r0 = 2\nexit\n", E::Ok},
    {"may_goto_loop_counter_checked", "xdp",
     "r6 = 0\nl: may_goto out\nif r6 > 3 goto out\nr6 += 1\ngoto l\nout: r0 = r6\nexit\n", E::Ok},
};

class Helpers : public ::testing::TestWithParam<Case> {};
TEST_P(Helpers, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, Helpers, ::testing::ValuesIn(kHelpers), case_name);

class Refs : public ::testing::TestWithParam<Case> {};
TEST_P(Refs, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, Refs, ::testing::ValuesIn(kRefs), case_name);

class Locks : public ::testing::TestWithParam<Case> {};
TEST_P(Locks, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, Locks, ::testing::ValuesIn(kLocks), case_name);

class Functions : public ::testing::TestWithParam<Case> {};
TEST_P(Functions, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, Functions, ::testing::ValuesIn(kFunctions), case_name);

class Loops : public ::testing::TestWithParam<Case> {};
TEST_P(Loops, Case) { run_case(GetParam()); }
#undef LOOP_COUNT

INSTANTIATE_TEST_SUITE_P(Verifier, Loops, ::testing::ValuesIn(kLoops), case_name);

[[maybe_unused]] const bool registered_kHelpers = register_cases(kHelpers);
[[maybe_unused]] const bool registered_kRefs = register_cases(kRefs);
[[maybe_unused]] const bool registered_kLocks = register_cases(kLocks);
[[maybe_unused]] const bool registered_kFunctions = register_cases(kFunctions);
[[maybe_unused]] const bool registered_kLoops = register_cases(kLoops);

}  // namespace
}  // namespace decade::test
