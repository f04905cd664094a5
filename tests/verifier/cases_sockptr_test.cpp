// SPDX-License-Identifier: Apache-2.0
// The kernel's socket pointers: __sk_buff.sk (sock_common or NULL), the
// struct bpf_sock and bpf_tcp_sock field rules (read only, the widths
// bpf_sock_is_valid_access allows, no full-socket fields through
// sock_common), bpf_sk_fullsock / bpf_tcp_sock / bpf_get_listener_sock,
// and bpf_sk_lookup_tcp / udp / bpf_skc_lookup_tcp with their references.
// Every case is also loaded by the running kernel (kernel_agreement_test.cpp).
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

// r1 = skb->sk (sock_common or NULL), NULL goes to out.
#define SKB_SK "r1 = *(u64 *)(r1 + 168)\nif r1 == 0 goto out\n"
// A zeroed IPv4 tuple at fp-16 (12 bytes) and bpf_sk_lookup_*(ctx, &tuple,
// 12, BPF_F_CURRENT_NETNS, 0) with helper H: the call is insn 8.
#define LOOKUP_TUPLE(h) \
  "r2 = 0\n*(u64 *)(r10 - 16) = r2\n*(u32 *)(r10 - 8) = r2\nr2 = r10\nr2 += -16\nr3 = 12\nr4 = -1\nr5 = 0\ncall " #h "\n"

const Case kSockPtrCases[] = {
    // __sk_buff.sk: the common part of a socket, or NULL.
    {"skb_sk_family", "cgroup_skb", SKB_SK "r0 = *(u32 *)(r1 + 4)\nout: r0 = 1\nexit\n", E::Ok},
    {"skb_sk_src_ip4_byte", "sched_cls", SKB_SK "r0 = *(u8 *)(r1 + 27)\nout: r0 = 0\nexit\n", E::Ok},
    {"skb_sk_dst_ip6_half", "cgroup_skb", SKB_SK "r0 = *(u16 *)(r1 + 62)\nout: r0 = 1\nexit\n", E::Ok},
    {"skb_sk_state_byte", "cgroup_skb", SKB_SK "r0 = *(u8 *)(r1 + 72)\nout: r0 = 1\nexit\n", E::Ok},
    {"skb_sk_state_second_byte", "cgroup_skb", SKB_SK "r0 = *(u8 *)(r1 + 73)\nout: r0 = 1\nexit\n",
     E::VerifierInvalidMemAccess, 2},
    {"skb_sk_dst_port_word", "cgroup_skb", SKB_SK "r0 = *(u32 *)(r1 + 48)\nout: r0 = 1\nexit\n", E::Ok},
    {"skb_sk_dst_port_byte1", "cgroup_skb", SKB_SK "r0 = *(u8 *)(r1 + 49)\nout: r0 = 1\nexit\n", E::Ok},
    {"skb_sk_dst_port_pad", "cgroup_skb", SKB_SK "r0 = *(u16 *)(r1 + 50)\nout: r0 = 1\nexit\n", E::VerifierInvalidMemAccess, 2},
    {"skb_sk_mark_byte", "cgroup_skb", SKB_SK "r0 = *(u8 *)(r1 + 16)\nout: r0 = 1\nexit\n", E::VerifierInvalidMemAccess, 2},
    {"skb_sk_past_end", "cgroup_skb", SKB_SK "r0 = *(u32 *)(r1 + 80)\nout: r0 = 1\nexit\n", E::VerifierInvalidMemAccess, 2},
    {"skb_sk_wide", "cgroup_skb", SKB_SK "r0 = *(u64 *)(r1 + 0)\nout: r0 = 1\nexit\n", E::VerifierInvalidMemAccess, 2},
    {"skb_sk_type_common", "cgroup_skb", SKB_SK "r0 = *(u32 *)(r1 + 8)\nout: r0 = 1\nexit\n", E::VerifierInvalidMemAccess, 2},
    {"skb_sk_unchecked", "cgroup_skb", "r1 = *(u64 *)(r1 + 168)\nr0 = *(u32 *)(r1 + 4)\nr0 = 1\nexit\n", E::VerifierNullDeref, 1},
    {"skb_sk_write", "sched_cls", SKB_SK "r2 = 0\n*(u32 *)(r1 + 16) = r2\nout: r0 = 0\nexit\n", E::VerifierReadOnly, 3},
    {"skb_sk_arith", "sched_cls", SKB_SK "r1 += 4\nr0 = *(u32 *)(r1 + 0)\nout: r0 = 0\nexit\n", E::VerifierBadPointerArith, 2},
    {"skb_sk_narrow_ptr", "sched_cls", "r1 = *(u32 *)(r1 + 168)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    // Only a comparison with the immediate 0 is a NULL check (a register holding 0 is not).
    {"skb_sk_null_check_by_register", "cgroup_skb",
     "r6 = *(u64 *)(r1 + 168)\nr2 = 0\nif r6 == r2 goto out\nr0 = *(u32 *)(r6 + 4)\nout: r0 = 1\nexit\n", E::VerifierNullDeref, 3},
    {"skb_sk_socket_filter", "socket_filter", SKB_SK "r0 = *(u32 *)(r1 + 4)\nout: r0 = 0\nexit\n", E::Ok},
    // Full sockets and TCP sockets from the common part (no reference).
    {"fullsock_type", "cgroup_skb", SKB_SK "call 95\nif r0 == 0 goto out\nr0 = *(u32 *)(r0 + 8)\nout: r0 = 1\nexit\n", E::Ok},
    {"fullsock_unchecked", "cgroup_skb", SKB_SK "call 95\nr0 = *(u32 *)(r0 + 8)\nout: r0 = 1\nexit\n", E::VerifierNullDeref, 3},
    {"fullsock_null_arg", "sched_cls", "r1 = *(u64 *)(r1 + 168)\ncall 95\nr0 = 0\nexit\n", E::VerifierBadHelperArg, 1},
    {"fullsock_xdp", "xdp", "r1 = 0\ncall 95\nr0 = 2\nexit\n", E::VerifierUnknownFunc, 1},
    {"tcp_sock_bytes_acked", "sched_cls", SKB_SK "call 96\nif r0 == 0 goto out\nr0 = *(u64 *)(r0 + 88)\nout: r0 = 0\nexit\n", E::Ok},
    {"tcp_sock_dsack_wide", "cgroup_skb", SKB_SK "call 96\nif r0 == 0 goto out\nr0 = *(u64 *)(r0 + 96)\nout: r0 = 1\nexit\n",
     E::VerifierInvalidMemAccess, 4},
    {"tcp_sock_past_end", "cgroup_skb", SKB_SK "call 96\nif r0 == 0 goto out\nr0 = *(u32 *)(r0 + 112)\nout: r0 = 1\nexit\n",
     E::VerifierInvalidMemAccess, 4},
    {"listener_release", "sched_cls", SKB_SK "call 98\nif r0 == 0 goto out\nr1 = r0\ncall 86\nout: r0 = 0\nexit\n",
     E::VerifierBadRelease, 5},
    {"release_skb_sk", "sched_cls", SKB_SK "call 86\nout: r0 = 0\nexit\n", E::VerifierBadRelease, 2},
    // Lookups by tuple acquire a socket the program must release.
    {"sk_lookup_tcp_release", "sched_cls", LOOKUP_TUPLE(84) "if r0 == 0 goto out\nr1 = r0\ncall 86\nout: r0 = 0\nexit\n", E::Ok},
    {"sk_lookup_udp_xdp", "xdp", LOOKUP_TUPLE(85) "if r0 == 0 goto out\nr1 = r0\ncall 86\nout: r0 = 2\nexit\n", E::Ok},
    {"sk_lookup_tcp_leak", "sched_cls", LOOKUP_TUPLE(84) "r0 = 0\nexit\n", E::VerifierRefLeak, 8},
    {"sk_lookup_tcp_type", "cgroup_skb",
     LOOKUP_TUPLE(84) "if r0 == 0 goto out\nr2 = *(u32 *)(r0 + 8)\nr1 = r0\ncall 86\nout: r0 = 1\nexit\n", E::Ok},
    {"skc_lookup_tcp_type", "cgroup_skb",
     LOOKUP_TUPLE(99) "if r0 == 0 goto out\nr2 = *(u32 *)(r0 + 8)\nr1 = r0\ncall 86\nout: r0 = 1\nexit\n", E::VerifierInvalidMemAccess, 10},
    {"sk_lookup_release_unchecked", "sched_cls", LOOKUP_TUPLE(84) "r1 = r0\ncall 86\nr0 = 0\nexit\n", E::VerifierBadHelperArg, 10},
    {"sk_lookup_socket_filter", "socket_filter", LOOKUP_TUPLE(84) "r0 = 0\nexit\n", E::VerifierUnknownFunc, 8},
    {"sk_lookup_uninit_tuple", "sched_cls",
     "r2 = 0\n*(u32 *)(r10 - 16) = r2\nr2 = r10\nr2 += -16\nr3 = 12\nr4 = -1\nr5 = 0\ncall 84\n"
     "if r0 == 0 goto out\nr1 = r0\ncall 86\nout: r0 = 0\nexit\n",
     E::VerifierUninitStack, 7},
    // A cast keeps the reference: releasing the TCP socket releases the
    // lookup's, and the full socket's pointer dies with it.
    {"tcp_sock_of_lookup_release", "sched_cls",
     LOOKUP_TUPLE(84) "if r0 == 0 goto out\nr6 = r0\nr1 = r0\ncall 96\nif r0 == 0 goto rel\nr1 = r0\ncall 86\nr0 = 0\nexit\n"
                      "rel: r1 = r6\ncall 86\nout: r0 = 0\nexit\n",
     E::Ok},
    {"tcp_sock_after_release", "sched_cls",
     LOOKUP_TUPLE(84) "if r0 == 0 goto out\nr6 = r0\nr1 = r0\ncall 96\nr7 = r0\nr1 = r6\ncall 86\nif r7 == 0 goto out\n"
                      "r0 = *(u32 *)(r7 + 0)\nout: r0 = 0\nexit\n",
     E::VerifierInvalidMemAccess, 17},
    {"tcp_sock_null_keeps_ref", "sched_cls",
     LOOKUP_TUPLE(84) "if r0 == 0 goto out\nr6 = r0\nr1 = r0\ncall 96\nif r0 != 0 goto rel\nr0 = 0\nexit\n"
                      "rel: r1 = r6\ncall 86\nout: r0 = 0\nexit\n",
     E::VerifierRefLeak, 8},
};

class SockPtrCases : public ::testing::TestWithParam<Case> {};
TEST_P(SockPtrCases, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, SockPtrCases, ::testing::ValuesIn(kSockPtrCases), case_name);

[[maybe_unused]] const bool registered_kSockPtrCases = register_cases(kSockPtrCases);

}  // namespace
}  // namespace decade::test
