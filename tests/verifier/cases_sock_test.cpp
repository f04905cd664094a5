// SPDX-License-Identifier: Apache-2.0
// Socket maps and the socket program types' helpers: which types may call
// them, socket references from sockmap / sockhash lookups (released with
// bpf_sk_release, leaks refused), socket values of map updates, the map
// types each helper takes, packet pointers after the message-resizing
// helpers, and bpf_check_mtu's fixed-size in-out argument. Every case is
// also loaded by the running kernel (kernel_agreement_test.cpp).
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

// A zero u32 key at fp-4, r2 pointing at it (insns 0-3).
#define KEY0 "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\n"
// bpf_map_lookup_elem(map N, &key) at insn 6.
#define LOOKUP(n) KEY0 "r1 = map_idx(" #n ") ll\ncall 1\n"
// helper H(ctx, map N, &key, 0) with r6 = ctx; the call is insn 9.
#define CTX_MAP_KEY(h, n) \
  "r6 = r1\nr1 = 0\n*(u32 *)(r10 - 4) = r1\nr1 = r6\nr2 = map_idx(" #n ") ll\nr3 = r10\nr3 += -4\nr4 = 0\ncall " #h "\n"
#define DELETE(n) KEY0 "r1 = map_idx(" #n ") ll\ncall 3\n"

const Case kSockCases[] = {
    // Lookups give a socket reference the program must release.
    {"sock_lookup_release", "xdp", LOOKUP(10) "if r0 == 0 goto out\nr1 = r0\ncall 86\nout: r0 = 2\nexit\n", E::Ok},
    {"sockhash_lookup_release", "sched_cls", LOOKUP(11) "if r0 == 0 goto out\nr1 = r0\ncall 86\nout: r0 = 0\nexit\n", E::Ok},
    {"sock_lookup_leak", "sk_skb", LOOKUP(10) "r0 = 0\nexit\n", E::VerifierRefLeak, 6},
    {"sockhash_lookup_leak", "sk_skb", LOOKUP(11) "if r0 == 0 goto out\nr0 = 0\nexit\nout: r0 = 0\nexit\n", E::VerifierRefLeak, 6},
    {"sock_release_unchecked", "sched_cls", LOOKUP(10) "r1 = r0\ncall 86\nr0 = 0\nexit\n", E::VerifierBadHelperArg, 8},
    {"sock_release_twice", "sched_cls",
     LOOKUP(10) "if r0 == 0 goto out\nr6 = r0\nr1 = r6\ncall 86\nr1 = r6\ncall 86\nout: r0 = 0\nexit\n", E::VerifierBadHelperArg, 12},
    {"sock_release_ctx_sk", "sk_lookup", "r1 = *(u64 *)(r1 + 0)\nif r1 == 0 goto out\ncall 86\nout: r0 = 1\nexit\n",
     E::VerifierBadRelease, 2},
    {"sock_release_flow_dissector", "flow_dissector", LOOKUP(10) "if r0 == 0 goto out\nr1 = r0\ncall 86\nout: r0 = 0\nexit\n",
     E::VerifierUnknownFunc, 9},
    {"reuseport_array_lookup", "xdp", LOOKUP(12) "r0 = 2\nexit\n", E::VerifierBadMap, 6},
    // Updates take a socket (from a lookup), and only some types may change socket maps.
    {"sock_update_from_lookup", "xdp",
     LOOKUP(10) "if r0 == 0 goto out\nr6 = r0\nr1 = map_idx(11) ll\nr2 = r10\nr2 += -4\nr3 = r6\nr4 = 0\ncall 2\n"
                "r1 = r6\ncall 86\nout: r0 = 2\nexit\n",
     E::Ok},
    {"sock_update_bytes", "xdp", KEY0 "r1 = map_idx(10) ll\nr3 = r2\nr4 = 0\ncall 2\nr0 = 2\nexit\n", E::VerifierBadHelperArg, 8},
    {"sock_delete_socket_filter", "socket_filter", DELETE(10) "r0 = 0\nexit\n", E::Ok},
    {"sock_delete_sockops", "sock_ops", DELETE(11) "r0 = 1\nexit\n", E::Ok},
    {"sock_delete_cgroup_skb", "cgroup_skb", DELETE(10) "r0 = 1\nexit\n", E::VerifierBadMap, 6},
    {"sock_delete_kprobe", "kprobe", DELETE(10) "r0 = 0\nexit\n", E::VerifierBadMap, 6},
    {"sock_update_sockops", "sock_ops",
     "r6 = *(u64 *)(r1 + 184)\nif r6 == 0 goto out\n" KEY0 "r1 = map_idx(10) ll\nr3 = r6\nr4 = 0\ncall 2\nout: r0 = 1\nexit\n",
     E::VerifierBadMap, 10},
    // A packet's socket (__sk_buff.sk, a sock_common) is a socket map value
    // too, once checked against NULL (the kernel's ARG_PTR_TO_BTF_ID_SOCK_COMMON).
    {"sock_update_skb_sk", "sched_cls",
     "r6 = *(u64 *)(r1 + 168)\nif r6 == 0 goto out\n" KEY0 "r1 = map_idx(10) ll\nr3 = r6\nr4 = 0\ncall 2\nout: r0 = 0\nexit\n",
     E::Ok},
    {"sock_update_skb_sk_unchecked", "sched_cls",
     "r6 = *(u64 *)(r1 + 168)\n" KEY0 "r1 = map_idx(10) ll\nr3 = r6\nr4 = 0\ncall 2\nr0 = 0\nexit\n",
     E::VerifierBadHelperArg, 9},
    // sock_ops inserts its connection with the dedicated helpers.
    {"sock_map_update", "sock_ops", CTX_MAP_KEY(53, 10) "r0 = 1\nexit\n", E::Ok},
    {"sock_hash_update", "sock_ops", CTX_MAP_KEY(70, 11) "r0 = 1\nexit\n", E::Ok},
    {"sock_hash_update_sockmap", "sock_ops", CTX_MAP_KEY(70, 10) "r0 = 1\nexit\n", E::VerifierBadMap, 9},
    {"sock_map_update_xdp", "xdp", CTX_MAP_KEY(53, 10) "r0 = 2\nexit\n", E::VerifierUnknownFunc, 9},
    {"sockops_cb_flags", "sock_ops", "r2 = 1\ncall 59\nr0 = 1\nexit\n", E::Ok},
    {"sockops_setsockopt", "sock_ops",
     "r5 = 0\n*(u64 *)(r10 - 8) = r5\nr2 = 1\nr3 = 2\nr4 = r10\nr4 += -8\nr5 = 4\ncall 49\nr0 = 1\nexit\n", E::Ok},
    {"sockops_getsockopt", "sock_ops", "r2 = 6\nr3 = 13\nr4 = r10\nr4 += -16\nr5 = 16\ncall 57\nr0 = 1\nexit\n", E::Ok},
    {"sockops_reserve_hdr_opt", "sock_ops", "r2 = 8\nr3 = 0\ncall 144\nr0 = 1\nexit\n", E::Ok},
    {"setsockopt_xdp", "xdp", "r2 = 1\nr3 = 2\nr4 = r10\nr4 += -8\nr5 = 0\n*(u64 *)(r10 - 8) = r5\nr5 = 4\ncall 49\nr0 = 2\nexit\n",
     E::VerifierUnknownFunc, 7},
    // Redirects: sk_skb to a sockmap (u32 key) or a sockhash (key pointer), sk_msg the same.
    {"sk_redirect_map", "sk_skb", "r2 = map_idx(10) ll\nr3 = 0\nr4 = 1\ncall 52\nexit\n", E::Ok},
    {"sk_redirect_map_hash", "sk_skb", "r2 = map_idx(11) ll\nr3 = 0\nr4 = 1\ncall 52\nexit\n", E::VerifierBadMap, 4},
    {"sk_redirect_hash", "sk_skb", CTX_MAP_KEY(72, 11) "exit\n", E::Ok},
    {"sk_redirect_map_xdp", "xdp", "r2 = map_idx(10) ll\nr3 = 0\nr4 = 0\ncall 52\nexit\n", E::VerifierUnknownFunc, 4},
    {"msg_redirect_hash", "sk_msg", CTX_MAP_KEY(71, 11) "exit\n", E::Ok},
    {"msg_redirect_map", "sk_msg", "r2 = map_idx(10) ll\nr3 = 0\nr4 = 0\ncall 60\nexit\n", E::Ok},
    {"msg_apply_cork", "sk_msg", "r6 = r1\nr2 = 10\ncall 61\nr1 = r6\nr2 = 10\ncall 62\nr0 = 1\nexit\n", E::Ok},
    {"msg_push_stale_data", "sk_msg",
     "r6 = r1\nr2 = *(u64 *)(r1 + 0)\nr3 = *(u64 *)(r1 + 8)\nr4 = r2\nr4 += 1\nif r4 > r3 goto out\nr7 = r2\nr1 = r6\n"
     "r2 = 0\nr3 = 4\nr4 = 0\ncall 90\nr0 = *(u8 *)(r7 + 0)\nout: r0 = 1\nexit\n",
     E::VerifierInvalidMemAccess, 12},
    {"msg_pull_data_skb", "sk_skb", "r2 = 0\nr3 = 4\nr4 = 0\ncall 63\nr0 = 1\nexit\n", E::VerifierUnknownFunc, 3},
    // sk_reuseport selects from any socket map; sk_lookup assigns a socket or NULL.
    {"select_reuseport_array", "sk_reuseport", CTX_MAP_KEY(82, 12) "r0 = 1\nexit\n", E::Ok},
    {"select_reuseport_sockhash", "sk_reuseport", CTX_MAP_KEY(82, 11) "r0 = 1\nexit\n", E::Ok},
    {"select_reuseport_hash_map", "sk_reuseport", CTX_MAP_KEY(82, 0) "r0 = 1\nexit\n", E::VerifierBadMap, 9},
    {"sk_assign_null", "sk_lookup", "r2 = 0\nr3 = 0\ncall 124\nr0 = 1\nexit\n", E::Ok},
    {"sk_assign_ctx_sk", "sk_lookup", "r2 = *(u64 *)(r1 + 0)\nr3 = 0\ncall 124\nr0 = 1\nexit\n", E::Ok},
    {"sk_assign_scalar", "sk_lookup", "r2 = 1\nr3 = 0\ncall 124\nr0 = 1\nexit\n", E::VerifierBadHelperArg, 2},
    // cgroup sysctl.
    {"sysctl_get_name", "cgroup_sysctl", "r2 = r10\nr2 += -16\nr3 = 16\nr4 = 0\ncall 101\nr0 = 1\nexit\n", E::Ok},
    {"sysctl_get_values", "cgroup_sysctl",
     "r6 = r1\nr2 = r10\nr2 += -16\nr3 = 16\ncall 102\nr1 = r6\nr2 = r10\nr2 += -16\nr3 = 16\ncall 103\n"
     "r1 = r6\nr2 = r10\nr2 += -16\nr3 = 16\ncall 104\nr0 = 1\nexit\n",
     E::Ok},
    {"sysctl_get_name_zero_size", "cgroup_sysctl", "r2 = r10\nr2 += -16\nr3 = 0\nr4 = 0\ncall 101\nr0 = 1\nexit\n",
     E::VerifierBadHelperArg, 4},
    {"sysctl_get_name_xdp", "xdp", "r2 = r10\nr2 += -16\nr3 = 16\nr4 = 0\ncall 101\nr0 = 2\nexit\n", E::VerifierUnknownFunc, 4},
    // bpf_check_mtu: u32 *mtu_len is written (uninitialised stack is fine) and must hold 4 bytes.
    {"check_mtu_uninit", "sched_cls", "r2 = 0\nr3 = r10\nr3 += -4\nr4 = 0\nr5 = 0\ncall 163\nr0 = 0\nexit\n", E::Ok},
    {"check_mtu_xdp", "xdp", "r2 = 0\n*(u32 *)(r10 - 4) = r2\nr3 = r10\nr3 += -4\nr4 = 0\nr5 = 0\ncall 163\nr0 = *(u32 *)(r10 - 4)\nr0 = 2\nexit\n", E::Ok},
    {"check_mtu_short", "sched_cls", "r2 = 0\nr3 = r10\nr3 += -2\nr4 = 0\nr5 = 0\ncall 163\nr0 = 0\nexit\n",
     E::VerifierOutOfBounds, 5},
    {"check_mtu_scalar", "sched_cls", "r2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\ncall 163\nr0 = 0\nexit\n", E::VerifierBadHelperArg, 4},
    {"check_mtu_sk_skb", "sk_skb", "r2 = 0\nr3 = r10\nr3 += -4\nr4 = 0\nr5 = 0\ncall 163\nr0 = 0\nexit\n", E::VerifierUnknownFunc, 5},
    {"check_mtu_misaligned", "sched_cls", "r2 = 0\nr3 = r10\nr3 += -6\nr4 = 0\nr5 = 0\ncall 163\nr0 = 0\nexit\n",
     E::VerifierMisaligned, 5},
    // bpf_strtol / bpf_strtoul (every type): an aligned u64 result, which may be uninitialised.
    {"strtoul_uninit_result", "socket_filter",
     "r1 = 0x31\n*(u64 *)(r10 - 16) = r1\nr1 = r10\nr1 += -16\nr2 = 1\nr3 = 0\nr4 = r10\nr4 += -8\ncall 106\n"
     "r0 = *(u64 *)(r10 - 8)\nr0 = 0\nexit\n",
     E::Ok},
    {"strtol_misaligned", "cgroup_sysctl",
     "r1 = 0x31\n*(u64 *)(r10 - 16) = r1\nr1 = r10\nr1 += -16\nr2 = 1\nr3 = 0\nr4 = r10\nr4 += -12\ncall 105\nr0 = 1\nexit\n",
     E::VerifierMisaligned, 8},
};

class SockCases : public ::testing::TestWithParam<Case> {};
TEST_P(SockCases, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, SockCases, ::testing::ValuesIn(kSockCases), case_name);

[[maybe_unused]] const bool registered_kSockCases = register_cases(kSockCases);

}  // namespace
}  // namespace decade::test
