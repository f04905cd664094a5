// SPDX-License-Identifier: Apache-2.0
// Packet and map cases.
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

#define PKT "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\n"
// Zeroes the 64 bytes of a struct bpf_fib_lookup at fp-64 from r1 (8 stores).
#define FIB_PARAMS                                                                                              \
  "*(u64 *)(r10 - 64) = r1\n*(u64 *)(r10 - 56) = r1\n*(u64 *)(r10 - 48) = r1\n*(u64 *)(r10 - 40) = r1\n" \
  "*(u64 *)(r10 - 32) = r1\n*(u64 *)(r10 - 24) = r1\n*(u64 *)(r10 - 16) = r1\n*(u64 *)(r10 - 8) = r1\n"
// Looks up key 0 in map N: the call is insn 6, the next instruction 7.
#define LOOKUP(N) "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(" #N ") ll\ncall 1\n"

const Case kPacket[] = {
    {"pkt_ok", "xdp", PKT "if r4 > r3 goto out\nr0 = *(u8 *)(r2 + 13)\nout: r0 = 2\nexit\n", E::Ok},
    {"pkt_off_by_one", "xdp", PKT "if r4 > r3 goto out\nr0 = *(u8 *)(r2 + 14)\nout: r0 = 2\nexit\n", E::VerifierOutOfBounds, 5},
    {"pkt_wide_read", "xdp", PKT "if r4 > r3 goto out\nr0 = *(u32 *)(r2 + 12)\nout: r0 = 2\nexit\n", E::VerifierOutOfBounds, 5},
    {"pkt_no_check", "xdp", "r2 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nr0 = 2\nexit\n", E::VerifierOutOfBounds, 1},
    {"pkt_negative", "xdp", PKT "if r4 > r3 goto out\nr0 = *(u8 *)(r2 - 1)\nout: r0 = 2\nexit\n", E::VerifierOutOfBounds, 5},
    {"pkt_reverse_cmp", "xdp", PKT "if r3 < r4 goto out\nr0 = *(u8 *)(r2 + 13)\nout: r0 = 2\nexit\n", E::Ok},
    {"pkt_jlt_taken", "xdp", PKT "if r4 < r3 goto ok\nr0 = 2\nexit\nok: r0 = *(u8 *)(r2 + 14)\nr0 = 2\nexit\n", E::Ok},
    {"pkt_jge_fall", "xdp", PKT "if r4 >= r3 goto out\nr0 = *(u8 *)(r2 + 14)\nout: r0 = 2\nexit\n", E::Ok},
    {"pkt_jge_taken_side", "xdp", PKT "if r4 >= r3 goto bad\nr0 = 2\nexit\nbad: r0 = *(u8 *)(r2 + 0)\nr0 = 2\nexit\n",
     E::VerifierOutOfBounds, 7},
    {"pkt_end_ge_pkt", "xdp", PKT "if r3 >= r4 goto ok\nr0 = 2\nexit\nok: r0 = *(u8 *)(r2 + 13)\nr0 = 2\nexit\n", E::Ok},
    {"pkt_wrong_branch", "xdp", PKT "if r4 > r3 goto bad\nr0 = 2\nexit\nbad: r0 = *(u8 *)(r2 + 0)\nr0 = 2\nexit\n",
     E::VerifierOutOfBounds, 7},
    {"pkt_copy_shares_range", "xdp", PKT "r5 = r2\nif r4 > r3 goto out\nr0 = *(u8 *)(r5 + 13)\nout: r0 = 2\nexit\n", E::Ok},
    {"pkt_var_off", "xdp",
     "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 1\nif r4 > r3 goto out\nr5 = *(u8 *)(r2 + 0)\n"
     "r5 &= 15\nr2 += r5\nr4 = r2\nr4 += 4\nif r4 > r3 goto out\nr0 = *(u32 *)(r2 + 0)\nout: r0 = 2\nexit\n",
     E::Ok},
    {"pkt_var_off_too_far", "xdp",
     "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr5 = *(u32 *)(r1 + 12)\nr2 += r5\nr4 = r2\nr4 += 4\n"
     "if r4 > r3 goto out\nr0 = *(u32 *)(r2 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierOutOfBounds, 7},
    {"pkt_var_needs_new_check", "xdp",
     PKT "if r4 > r3 goto out\nr5 = *(u8 *)(r2 + 0)\nr5 &= 3\nr2 += r5\nr0 = *(u8 *)(r2 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierOutOfBounds, 8},
    {"pkt_stale_after_adjust_head", "xdp",
     "r6 = r1\n" PKT "if r4 > r3 goto out\nr7 = r2\nr1 = r6\nr2 = 4\ncall 44\nr0 = *(u8 *)(r7 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierInvalidMemAccess, 10},
    // bpf_fib_lookup does not change the packet (no kHelperChangesPacket):
    // a checked packet pointer stays usable after it.
    {"pkt_kept_after_fib_lookup", "xdp",
     "r6 = r1\n" PKT "if r4 > r3 goto out\nr7 = r2\nr1 = 0\n" FIB_PARAMS "r1 = r6\nr2 = r10\nr2 += -64\nr3 = 64\nr4 = 0\n"
     "call 69\nr0 = *(u8 *)(r7 + 0)\nout: r0 = 2\nexit\n",
     E::Ok},
    // ... and what the params held before the call is unknown after it.
    {"fib_params_unknown_after", "xdp",
     "r6 = r1\nr1 = 0\n" FIB_PARAMS "r1 = r6\nr2 = r10\nr2 += -64\nr3 = 64\nr4 = 0\ncall 69\n"
     "r1 = *(u64 *)(r10 - 64)\nif r1 == 0 goto out\nr0 = *(u8 *)(r10 - 600)\nout: r0 = 2\nexit\n",
     E::VerifierOutOfBounds, 18},
    {"pkt_reload_after_adjust_head", "xdp",
     "r6 = r1\nr1 = r6\nr2 = 4\ncall 44\nr1 = r6\n" PKT "if r4 > r3 goto out\nr0 = *(u8 *)(r2 + 0)\nout: r0 = 2\nexit\n", E::Ok},
    {"pkt_write", "xdp", PKT "if r4 > r3 goto out\nr0 = 1\n*(u8 *)(r2 + 0) = r0\nout: r0 = 2\nexit\n", E::Ok},
    {"pkt_store_pointer", "xdp", PKT "if r4 > r3 goto out\n*(u64 *)(r2 + 0) = r2\nout: r0 = 2\nexit\n", E::VerifierPointerLeak, 5},
    {"pkt_end_deref", "xdp", "r3 = *(u32 *)(r1 + 4)\nr0 = *(u8 *)(r3 + 0)\nr0 = 2\nexit\n", E::VerifierInvalidMemAccess, 1},
    {"pkt_end_arith", "xdp", "r3 = *(u32 *)(r1 + 4)\nr3 += 1\nr0 = 2\nexit\n", E::VerifierBadPointerArith, 1},
    {"pkt_meta", "xdp",
     "r2 = *(u32 *)(r1 + 8)\nr3 = *(u32 *)(r1 + 0)\nr4 = r2\nr4 += 4\nif r4 > r3 goto out\nr0 = *(u32 *)(r2 + 0)\nout: r0 = 2\nexit\n",
     E::Ok},
    // Packet ranges are proven only by 64-bit unsigned comparisons of a
    // packet pointer with the end of its region (data_end; data for
    // metadata), counting the offsets of both sides.
    {"pkt_meta_both_offsets", "xdp",
     META "r4 = r2\nr4 += 16\nr5 = r3\nr5 += 16\nif r4 > r5 goto out\nr0 = *(u8 *)(r2 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierOutOfBounds, 7},
    {"pkt_meta_data_off_smaller", "xdp",
     META "r4 = r2\nr4 += 8\nr5 = r3\nr5 += 4\nif r4 > r5 goto out\nr0 = *(u32 *)(r2 + 0)\nout: r0 = 2\nexit\n", E::Ok},
    {"pkt_meta_data_off_read_past", "xdp",
     META "r4 = r2\nr4 += 8\nr5 = r3\nr5 += 4\nif r4 > r5 goto out\nr0 = *(u32 *)(r2 + 4)\nout: r0 = 2\nexit\n",
     E::VerifierOutOfBounds, 7},
    {"pkt_meta_data_var_off", "xdp",
     META "r6 = *(u32 *)(r1 + 12)\nr6 &= 7\nr5 = r3\nr5 += r6\nr4 = r2\nr4 += 8\nif r4 > r5 goto out\n"
     "r0 = *(u32 *)(r2 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierOutOfBounds, 9},
    {"pkt_meta_reversed", "xdp", META "r4 = r2\nr4 += 4\nif r3 < r4 goto out\nr0 = *(u32 *)(r2 + 0)\nout: r0 = 2\nexit\n", E::Ok},
    {"pkt_meta_reversed_both_offsets", "xdp",
     META "r4 = r2\nr4 += 4\nr5 = r3\nr5 += 4\nif r5 < r4 goto out\nr0 = *(u32 *)(r2 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierOutOfBounds, 7},
    {"pkt_meta_jlt_taken", "xdp",
     META "r4 = r2\nr4 += 3\nif r4 < r3 goto ok\nr0 = 2\nexit\nok: r0 = *(u32 *)(r2 + 0)\nr0 = 2\nexit\n", E::Ok},
    {"pkt_meta_vs_data_end", "xdp",
     "r2 = *(u32 *)(r1 + 8)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 4\nif r4 > r3 goto out\nr0 = *(u32 *)(r2 + 0)\n"
     "out: r0 = 2\nexit\n",
     E::VerifierOutOfBounds, 5},
    // 32-bit comparisons of pointers depend on the low half of a host address.
    {"pkt_meta_jmp32", "xdp", META "r4 = r2\nr4 += 4\nif w4 > w3 goto out\nr0 = *(u32 *)(r2 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierPointerLeak, 4},
    {"pkt_jmp32", "xdp", PKT "if w4 > w3 goto out\nr0 = *(u8 *)(r2 + 13)\nout: r0 = 2\nexit\n", E::VerifierPointerLeak, 4},
    {"pkt_signed_cmp", "xdp", PKT "if r4 s> r3 goto out\nr0 = *(u8 *)(r2 + 13)\nout: r0 = 2\nexit\n", E::VerifierOutOfBounds, 5},
    {"pkt_negative_lower", "xdp",
     "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += -4\nif r4 > r3 goto out\nr0 = *(u8 *)(r2 + 0)\n"
     "out: r0 = 2\nexit\n",
     E::VerifierOutOfBounds, 5},
    {"pkt_end_le_pkt_fall", "xdp", PKT "if r3 <= r4 goto out\nr0 = *(u8 *)(r2 + 14)\nout: r0 = 2\nexit\n", E::Ok},
    {"pkt_meta_unchecked", "xdp", "r2 = *(u32 *)(r1 + 8)\nr0 = *(u32 *)(r2 + 0)\nr0 = 2\nexit\n", E::VerifierOutOfBounds, 1},
    {"pkt_tc", "sched_cls",
     "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = r2\nr4 += 14\nif r4 > r3 goto out\nr0 = *(u16 *)(r2 + 12)\nout: r0 = 0\nexit\n",
     E::Ok},
    // Lightweight tunnels: every lwt type reads the packet, only lwt_xmit writes it.
    {"pkt_lwt_in_read", "lwt_in", SKB_PKT "r0 = *(u16 *)(r2 + 12)\nout: r0 = 0\nexit\n", E::Ok},
    {"pkt_lwt_in_write", "lwt_in", SKB_PKT "r0 = 1\n*(u8 *)(r2 + 12) = r0\nout: r0 = 0\nexit\n", E::VerifierInvalidMemAccess, 6},
    {"pkt_lwt_out_write", "lwt_out", SKB_PKT "r0 = 1\n*(u8 *)(r2 + 12) = r0\nout: r0 = 0\nexit\n", E::VerifierInvalidMemAccess, 6},
    {"pkt_lwt_xmit_write", "lwt_xmit", SKB_PKT "r0 = 1\n*(u8 *)(r2 + 12) = r0\nout: r0 = 0\nexit\n", E::Ok},
    {"lwt_mark_write", "lwt_in", "r2 = 7\n*(u32 *)(r1 + 8) = r2\nr0 = 0\nexit\n", E::Ok},
    {"lwt_tc_index_write", "lwt_xmit", "r2 = 7\n*(u32 *)(r1 + 44) = r2\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 1},
    {"lwt_tc_classid_read", "lwt_xmit", "r0 = *(u32 *)(r1 + 72)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"lwt_data_meta_read", "lwt_xmit", "r0 = *(u32 *)(r1 + 140)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"pkt_sk_skb_write", "sk_skb", SKB_PKT "r0 = 1\n*(u8 *)(r2 + 12) = r0\nout: r0 = 0\nexit\n", E::Ok},
    {"sk_skb_ports", "sk_skb", "r0 = *(u32 *)(r1 + 132)\nr2 = *(u16 *)(r1 + 136)\nr3 = *(u32 *)(r1 + 92)\nr0 = 0\nexit\n", E::Ok},
    {"sk_skb_mark", "sk_skb", "r0 = *(u32 *)(r1 + 8)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"sk_skb_cb_write", "sk_skb", "r2 = 1\n*(u32 *)(r1 + 48) = r2\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 1},
    {"sk_skb_tc_index_write", "sk_skb", "r2 = 1\n*(u32 *)(r1 + 44) = r2\nr0 = 0\nexit\n", E::Ok},
    {"pkt_diff_is_scalar", "xdp", "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr3 -= r2\nr0 = 2\nexit\n", E::Ok},
    {"ldabs_socket", "socket_filter", "r6 = r1\nr0 = *(u8 *)skb[12]\nexit\n", E::Ok},
    {"ldind_socket", "socket_filter", "r6 = r1\nr7 = 2\nr0 = *(u16 *)skb[r7 + 12]\nexit\n", E::Ok},
    // A load outside the packet returns 0 from the function running it: the
    // caller then goes on, and may read only registers it had set.
    {"ldabs_miss_returns_to_caller", "socket_filter",
     "call f\nif r0 != 0 goto out\nr0 = r9\nout: r0 = 0\nexit\nf: r6 = r1\nr0 = *(u32 *)skb[0]\nr0 = 1\nexit\n",
     E::VerifierUninitRegister, 2},
    {"ldind_miss_returns_to_caller", "socket_filter",
     "call f\nif r0 != 0 goto out\nr0 = r9\nout: r0 = 0\nexit\nf: r6 = r1\nr7 = 0\nr0 = *(u32 *)skb[r7 + 0]\nr0 = 1\nexit\n",
     E::VerifierUninitRegister, 2},
    {"ldabs_miss_caller_sets_r9", "socket_filter",
     "r9 = 5\ncall f\nif r0 != 0 goto out\nr0 = r9\nout: r0 = 0\nexit\nf: r6 = r1\nr0 = *(u32 *)skb[0]\nr0 = 1\nexit\n",
     E::Ok},
    {"ldabs_xdp", "xdp", "r6 = r1\nr0 = *(u8 *)skb[12]\nr0 = 2\nexit\n", E::VerifierInvalidMemAccess, 1},
    {"ldabs_no_r6", "socket_filter", "r0 = *(u8 *)skb[12]\nexit\n", E::VerifierUninitRegister, 0},
    {"ldabs_clobbers", "socket_filter", "r6 = r1\nr0 = *(u8 *)skb[12]\nr0 = r1\nexit\n", E::VerifierUninitRegister, 2},
};

const Case kMaps[] = {
    {"map_ok", "xdp", LOOKUP(0) "if r0 == 0 goto out\nr1 = *(u64 *)(r0 + 0)\nout: r0 = 2\nexit\n", E::Ok},
    {"map_ne_check", "xdp", LOOKUP(0) "if r0 != 0 goto use\nr0 = 2\nexit\nuse: r1 = *(u64 *)(r0 + 0)\nr0 = 2\nexit\n", E::Ok},
    {"map_null_deref", "xdp", LOOKUP(0) "r1 = *(u64 *)(r0 + 0)\nr0 = 2\nexit\n", E::VerifierNullDeref, 7},
    {"map_null_branch_deref", "xdp", LOOKUP(0) "if r0 != 0 goto out\nr1 = *(u64 *)(r0 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierInvalidMemAccess, 8},
    {"map_copy_checked", "xdp", LOOKUP(0) "r6 = r0\nif r0 == 0 goto out\nr1 = *(u64 *)(r6 + 0)\nout: r0 = 2\nexit\n", E::Ok},
    {"map_arith_before_check", "xdp", LOOKUP(0) "r0 += 4\nr0 = 2\nexit\n", E::VerifierBadPointerArith, 7},
    {"map_oob", "xdp", LOOKUP(0) "if r0 == 0 goto out\nr1 = *(u64 *)(r0 + 8)\nout: r0 = 2\nexit\n", E::VerifierOutOfBounds, 8},
    {"map_negative", "xdp", LOOKUP(0) "if r0 == 0 goto out\nr1 = *(u8 *)(r0 - 1)\nout: r0 = 2\nexit\n", E::VerifierOutOfBounds, 8},
    {"map_index_masked", "xdp",
     LOOKUP(1) "if r0 == 0 goto out\nr3 = *(u8 *)(r0 + 0)\nr3 &= 63\nr0 += r3\nr1 = *(u8 *)(r0 + 0)\nout: r0 = 2\nexit\n", E::Ok},
    {"map_index_masked_too_wide", "xdp",
     LOOKUP(1) "if r0 == 0 goto out\nr3 = *(u8 *)(r0 + 0)\nr3 &= 63\nr0 += r3\nr1 = *(u16 *)(r0 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierOutOfBounds, 11},
    {"map_index_unbounded", "xdp",
     LOOKUP(1) "if r0 == 0 goto out\nr3 = *(u64 *)(r0 + 0)\nr0 += r3\nr1 = *(u8 *)(r0 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierBadPointerArith, 9},
    {"map_index_checked", "xdp",
     LOOKUP(1) "if r0 == 0 goto out\nr3 = *(u64 *)(r0 + 0)\nif r3 > 60 goto out\nr0 += r3\nr1 = *(u32 *)(r0 + 0)\nout: r0 = 2\nexit\n",
     E::Ok},
    {"map_index_signed_only", "xdp",
     LOOKUP(1) "if r0 == 0 goto out\nr3 = *(u64 *)(r0 + 0)\nif r3 s> 60 goto out\nr0 += r3\nr1 = *(u32 *)(r0 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierBadPointerArith, 10},
    {"map_index_checked_32", "xdp",
     LOOKUP(1) "if r0 == 0 goto out\nw3 = *(u32 *)(r0 + 0)\nif w3 > 56 goto out\nr0 += r3\nr1 = *(u64 *)(r0 + 0)\nout: r0 = 2\nexit\n",
     E::Ok},
    {"map_key_uninit", "xdp", "r2 = r10\nr2 += -4\nr1 = map_idx(0) ll\ncall 1\nr0 = 2\nexit\n", E::VerifierUninitStack, 4},
    {"map_value_uninit_from_callee", "xdp",
     "call f\ncall g\nr0 = 2\nexit\n"
     "f: *(u64 *)(r10 - 16) = r10\nr0 = 0\nexit\n"
     "g: r1 = 0\n*(u32 *)(r10 - 4) = r1\nr1 = map_idx(0) ll\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr4 = 0\ncall 2\nr0 = 0\nexit\n",
     E::VerifierUninitStack, 16},
    {"map_key_oob", "xdp", "r2 = r10\nr1 = map_idx(0) ll\ncall 1\nr0 = 2\nexit\n", E::VerifierOutOfBounds, 3},
    {"map_key_scalar", "xdp", "r2 = 0\nr1 = map_idx(0) ll\ncall 1\nr0 = 2\nexit\n", E::VerifierBadHelperArg, 3},
    {"map_arg_not_map", "xdp", "r2 = r10\nr2 += -4\nr1 = 0\ncall 1\nr0 = 2\nexit\n", E::VerifierBadHelperArg, 3},
    {"map_key_spilled_ptr", "xdp", "*(u64 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map_idx(0) ll\ncall 1\nr0 = 2\nexit\n",
     E::VerifierPointerLeak, 5},
    {"map_store_pointer", "xdp", LOOKUP(0) "if r0 == 0 goto out\n*(u64 *)(r0 + 0) = r10\nout: r0 = 2\nexit\n", E::VerifierPointerLeak, 8},
    {"map_value_write", "xdp", LOOKUP(0) "if r0 == 0 goto out\nr1 = 1\n*(u64 *)(r0 + 0) = r1\nout: r0 = 2\nexit\n", E::Ok},
    {"map_atomic", "xdp", LOOKUP(0) "if r0 == 0 goto out\nr1 = 1\nlock *(u64 *)(r0 + 0) += r1\nout: r0 = 2\nexit\n", E::Ok},
    {"map_atomic_ptr", "xdp", LOOKUP(0) "if r0 == 0 goto out\nlock *(u64 *)(r0 + 0) += r10\nout: r0 = 2\nexit\n",
     E::VerifierPointerLeak, 8},
    {"map_cmpxchg", "xdp", LOOKUP(0) "if r0 == 0 goto out\nr1 = r0\nr0 = 0\nr2 = 1\nr0 = cmpxchg_64(r1 + 0, r0, r2)\nout: r0 = 2\nexit\n", E::Ok},
    {"map_load_acquire", "xdp", LOOKUP(0) "if r0 == 0 goto out\nr1 = load_acquire((u64 *)(r0 + 0))\nout: r0 = 2\nexit\n", E::Ok},
    // Atomics are aligned to their size (a misaligned locked instruction
    // may split across cache lines): the constant offset and the variable
    // offset's known low bits must show it.
    {"map_atomic_misaligned", "xdp", LOOKUP(0) "if r0 == 0 goto out\nr1 = 1\nlock *(u32 *)(r0 + 3) += w1\nout: r0 = 2\nexit\n",
     E::VerifierMisaligned, 9},
    {"map_atomic_var_misaligned", "xdp",
     LOOKUP(0) "if r0 == 0 goto out\nr2 = *(u64 *)(r0 + 0)\nr2 &= 4\nr0 += r2\nr1 = 1\nlock *(u64 *)(r0 + 0) += r1\nout: r0 = 2\nexit\n",
     E::VerifierMisaligned, 12},
    {"map_atomic_var_aligned", "xdp",
     LOOKUP(0) "if r0 == 0 goto out\nr2 = *(u64 *)(r0 + 0)\nr2 &= 4\nr0 += r2\nr1 = 1\nlock *(u32 *)(r0 + 0) += w1\nout: r0 = 2\nexit\n",
     E::Ok},
    {"map_load_acquire_misaligned", "xdp", LOOKUP(0) "if r0 == 0 goto out\nr1 = load_acquire((u64 *)(r0 + 4))\nout: r0 = 2\nexit\n",
     E::VerifierMisaligned, 8},
    {"map_store_release_misaligned", "xdp",
     LOOKUP(0) "if r0 == 0 goto out\nr1 = 1\nstore_release((u32 *)(r0 + 2), w1)\nout: r0 = 2\nexit\n", E::VerifierMisaligned, 9},
    // Values of read-only maps: no stores, atomics or helper writes, also
    // through bpf_map_lookup_elem's pointer.
    {"rodata_helper_write", "xdp", "r1 = map_idx_value(3, 0) ll\nr2 = 8\ncall 16\nr0 = 2\nexit\n", E::VerifierReadOnly, 3},
    {"rodata_atomic", "xdp", "r1 = map_idx_value(3, 0) ll\nr2 = 1\nlock *(u32 *)(r1 + 0) += w2\nr0 = 2\nexit\n",
     E::VerifierReadOnly, 3},
    {"rodata_lookup_write", "xdp", LOOKUP(3) "if r0 == 0 goto out\nr1 = 1\n*(u32 *)(r0 + 0) = r1\nout: r0 = 2\nexit\n",
     E::VerifierReadOnly, 9},
    {"rodata_lookup_read", "xdp", LOOKUP(3) "if r0 == 0 goto out\nr1 = *(u32 *)(r0 + 0)\nout: r0 = 2\nexit\n", E::Ok},
    {"rodata_pop_into", "xdp", "r1 = map_idx(5) ll\nr2 = map_idx_value(3, 0) ll\ncall 88\nr0 = 2\nexit\n", E::VerifierReadOnly, 4},
    // Nor may a helper replace or remove its elements: loads from .rodata fold to constants.
    {"rodata_update_elem", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\n*(u64 *)(r10 - 24) = r1\n*(u64 *)(r10 - 16) = r1\nr1 = map_idx(3) ll\n"
     "r2 = r10\nr2 += -4\nr3 = r10\nr3 += -24\nr4 = 0\ncall 2\nr0 = 2\nexit\n",
     E::VerifierReadOnly, 11},
    {"rodata_delete_elem", "xdp", LOOKUP(3) "r1 = map_idx(3) ll\nr2 = r10\nr2 += -4\ncall 3\nr0 = 2\nexit\n", E::VerifierReadOnly, 11},
    {"rodata_write", "xdp", "r1 = map_idx_value(3, 0) ll\nr2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 2\nexit\n", E::VerifierReadOnly, 3},
    {"rodata_fold", "xdp",
     "r1 = map_idx_value(3, 0) ll\nr0 = *(u32 *)(r1 + 0)\nif r0 == 5 goto ok\nr0 = *(u64 *)(r10 - 8)\nexit\nok: r0 = 2\nexit\n", E::Ok},
    {"rodata_fold_signed", "xdp", "r1 = map_idx_value(3, 0) ll\nr0 = *(s32 *)(r1 + 4)\nr0 += 3\nexit\n", E::Ok},
    {"rodata_oob", "xdp", "r1 = map_idx_value(3, 0) ll\nr0 = *(u64 *)(r1 + 12)\nr0 = 2\nexit\n", E::VerifierOutOfBounds, 2},
    {"data_not_folded", "xdp_ret", "r1 = map_idx_value(8, 0) ll\nr0 = *(u32 *)(r1 + 0)\nexit\n", E::VerifierBadReturn, 3},
    {"data_writable", "xdp", "r1 = map_idx_value(8, 4) ll\nr2 = 1\n*(u32 *)(r1 + 24) = r2\nr0 = 2\nexit\n", E::Ok},
    {"data_offset_oob", "xdp", "r1 = map_idx_value(8, 4) ll\nr2 = 1\n*(u32 *)(r1 + 28) = r2\nr0 = 2\nexit\n", E::VerifierOutOfBounds, 3},
    {"map_value_on_hash", "xdp", "r1 = map_idx_value(0, 0) ll\nr0 = 2\nexit\n", E::VerifierBadMap, 0},
    {"map_index_out_of_range", "xdp", "r1 = map_idx(42) ll\nr0 = 2\nexit\n", E::VerifierBadMap, 0},
    {"map_ptr_deref", "xdp", "r1 = map_idx(0) ll\nr0 = *(u64 *)(r1 + 0)\nr0 = 2\nexit\n", E::VerifierInvalidMemAccess, 2},
    {"map_update", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\n*(u64 *)(r10 - 16) = r1\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr4 = 0\n"
     "r1 = map_idx(0) ll\ncall 2\nr0 = 2\nexit\n",
     E::Ok},
    {"map_update_value_oob", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -4\nr4 = 0\nr1 = map_idx(0) ll\ncall 2\nr0 = 2\nexit\n",
     E::VerifierOutOfBounds, 9},
    {"map_update_flags_ptr", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\n*(u64 *)(r10 - 16) = r1\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr4 = r10\n"
     "r1 = map_idx(0) ll\ncall 2\nr0 = 2\nexit\n",
     E::VerifierPointerLeak, 10},
    {"map_delete", "xdp", "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(0) ll\ncall 3\nr0 = 2\nexit\n", E::Ok},
    {"ringbuf_lookup", "xdp", LOOKUP(2) "r0 = 2\nexit\n", E::VerifierBadMap, 6},
    {"map_in_map", "xdp",
     LOOKUP(6) "if r0 == 0 goto out\nr1 = r0\nr2 = r10\nr2 += -4\ncall 1\nif r0 == 0 goto out\nr1 = *(u64 *)(r0 + 56)\nout: r0 = 2\nexit\n",
     E::Ok},
    {"map_in_map_unchecked", "xdp", LOOKUP(6) "r1 = r0\nr2 = r10\nr2 += -4\ncall 1\nr0 = 2\nexit\n", E::VerifierBadHelperArg, 10},
    // A variable offset whose minimum is past -2^29 is refused at the
    // arithmetic, used or not (the kernel's check_reg_sane_offset).
    {"map_value_far_negative_offset", "xdp",
     LOOKUP(1) "if r0 == 0 goto out\nr1 = *(u8 *)(r0 + 0)\nr1 += -0x40000000\nr0 += r1\nr0 = 2\nout: r0 = 2\nexit\n",
     E::VerifierBadPointerArith, 10},
    {"map_value_negative_offset_in_range", "xdp",
     LOOKUP(1) "if r0 == 0 goto out\nr1 = *(u8 *)(r0 + 0)\nr1 += -0x1000\nr0 += r1\nr0 = 2\nout: r0 = 2\nexit\n", E::Ok},
    // Equal to a non-null pointer: not NULL on the equal side only.
    {"null_inferred_from_equal_ptr", "xdp",
     LOOKUP(0) "r6 = r0\n" LOOKUP(0) "r7 = r0\nif r6 == 0 goto out\nif r6 != r7 goto out\nr0 = *(u64 *)(r7 + 0)\nout: r0 = 2\nexit\n",
     E::Ok},
    {"null_not_inferred_when_unequal", "xdp",
     LOOKUP(0) "r6 = r0\n" LOOKUP(0) "r7 = r0\nif r6 == 0 goto out\nif r6 == r7 goto out\nr0 = *(u64 *)(r7 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierNullDeref, 18},
    // A NULL buffer goes with a size of 0 only (bpf_csum_diff's from/from_size).
    {"null_mem_zero_size", "sched_cls", "r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\ncall 28\nr0 = 0\nexit\n", E::Ok},
    {"null_mem_maybe_sized", "sched_cls",
     "r2 = *(u32 *)(r1 + 0)\nr1 = 0\nr2 &= 64\nr3 = 0\nr4 = 0\nr5 = 0\ncall 28\nr0 = 0\nexit\n", E::VerifierBadHelperArg, 6},
    // BPF_F_WRONLY_PROG: stores only (the kernel's "read from map forbidden").
    {"wronly_map_write", "xdp", LOOKUP(13) "if r0 == 0 goto out\nr1 = 1\n*(u64 *)(r0 + 0) = r1\nout: r0 = 2\nexit\n", E::Ok},
    {"wronly_map_read", "xdp", LOOKUP(13) "if r0 == 0 goto out\nr1 = *(u64 *)(r0 + 0)\nout: r0 = 2\nexit\n",
     E::VerifierInvalidMemAccess, 8},
    {"wronly_map_atomic", "xdp", LOOKUP(13) "if r0 == 0 goto out\nr1 = 1\nlock *(u64 *)(r0 + 0) += r1\nout: r0 = 2\nexit\n",
     E::VerifierInvalidMemAccess, 9},
    {"queue_pop", "xdp", "r1 = map_idx(5) ll\nr2 = r10\nr2 += -8\ncall 88\nr0 = 2\nexit\n", E::Ok},
    {"queue_push", "xdp", "r2 = 0\n*(u64 *)(r10 - 8) = r2\nr1 = map_idx(5) ll\nr2 = r10\nr2 += -8\nr3 = 0\ncall 87\nr0 = 2\nexit\n", E::Ok},
    {"queue_lookup", "xdp", LOOKUP(5) "r0 = 2\nexit\n", E::VerifierBadMap, 6},
    {"tail_call", "xdp", "r2 = map_idx(7) ll\nr3 = 0\ncall 12\nr0 = 2\nexit\n", E::Ok},
    {"tail_call_array", "xdp", "r2 = map_idx(1) ll\nr3 = 0\ncall 12\nr0 = 2\nexit\n", E::VerifierBadMap, 3},
    {"tail_call_ctx_moved", "xdp", "r1 += 4\nr2 = map_idx(7) ll\nr3 = 0\ncall 12\nr0 = 2\nexit\n", E::VerifierBadHelperArg, 4},
    {"percpu_lookup_on_array", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr3 = 0\nr1 = map_idx(1) ll\ncall 195\nr0 = 2\nexit\n", E::VerifierBadMap, 7},
};

class Packet : public ::testing::TestWithParam<Case> {};
TEST_P(Packet, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, Packet, ::testing::ValuesIn(kPacket), case_name);

class Maps : public ::testing::TestWithParam<Case> {};
TEST_P(Maps, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, Maps, ::testing::ValuesIn(kMaps), case_name);

[[maybe_unused]] const bool registered_kPacket = register_cases(kPacket);
[[maybe_unused]] const bool registered_kMaps = register_cases(kMaps);

}  // namespace
}  // namespace decade::test
