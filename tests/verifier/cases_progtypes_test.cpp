// SPDX-License-Identifier: Apache-2.0
// Context access, packet and return-value cases of the socket-level and
// BTF-typed tracing program types (runtime/program_types_sock.cpp,
// program_types_tracing.cpp). Every case with a kernel twin is also loaded
// by the running kernel (kernel_agreement_test.cpp).
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

// r2 = data, r3 = data_end from 8-byte fields at offsets A and B; r4 = data + 1;
// falls to the next instruction (insn 5) when one byte is there.
#define PKT64(A, B) "r2 = *(u64 *)(r1 + " #A ")\nr3 = *(u64 *)(r1 + " #B ")\nr4 = r2\nr4 += 1\nif r4 > r3 goto out\n"
#define PKT32(A, B) "r2 = *(u32 *)(r1 + " #A ")\nr3 = *(u32 *)(r1 + " #B ")\nr4 = r2\nr4 += 1\nif r4 > r3 goto out\n"

const Case kSocketTypes[] = {
    // bpf_get_netns_cookie: the socket hooks' helper, on the context or NULL.
    {"netns_cookie_ctx", "cgroup_udp6_sendmsg", "call 122\nr0 = 1\nexit\n", E::Ok},
    {"netns_cookie_null", "cgroup_inet4_connect", "r1 = 0\ncall 122\nr0 = 1\nexit\n", E::Ok},
    {"netns_cookie_null_post_bind", "cgroup_inet4_post_bind", "r1 = 0\ncall 122\nr0 = 1\nexit\n", E::Ok},
    {"netns_cookie_sock_ops", "sock_ops", "call 122\nr0 = 1\nexit\n", E::Ok},
    {"netns_cookie_number", "cgroup_udp6_sendmsg", "r1 = 1\ncall 122\nr0 = 1\nexit\n", E::VerifierBadHelperArg, 1},
    {"netns_cookie_moved_ctx", "cgroup_udp6_sendmsg", "r1 += 8\ncall 122\nr0 = 1\nexit\n", E::VerifierBadHelperArg, 1},
    {"netns_cookie_xdp", "xdp", "call 122\nr0 = 1\nexit\n", E::VerifierUnknownFunc, 0},
    // bpf_get_socket_cookie: the skb form, and the socket hooks' and
    // sock_ops' forms on their context (never NULL); not xdp's.
    {"socket_cookie_skb", "sched_cls", "call 46\nr0 = 0\nexit\n", E::Ok},
    {"socket_cookie_post_bind", "cgroup_inet4_post_bind", "call 46\nr0 = 1\nexit\n", E::Ok},
    {"socket_cookie_null_post_bind", "cgroup_inet4_post_bind", "r1 = 0\ncall 46\nr0 = 1\nexit\n", E::VerifierBadHelperArg, 1},
    {"socket_cookie_connect", "cgroup_inet4_connect", "call 46\nr0 = 1\nexit\n", E::Ok},
    {"socket_cookie_sock_ops", "sock_ops", "call 46\nr0 = 1\nexit\n", E::Ok},
    {"socket_cookie_xdp", "xdp", "call 46\nr0 = 1\nexit\n", E::VerifierUnknownFunc, 0},
    {"socket_uid_post_bind", "cgroup_inet4_post_bind", "call 47\nr0 = 1\nexit\n", E::VerifierUnknownFunc, 0},
    {"jiffies64", "socket_filter", "call 118\nr0 = 0\nexit\n", E::Ok},
    // sock_ops: u32 words whole, reply and sk_txhash written, 8-byte counters and pointers.
    {"sockops_op", "sock_ops", "r0 = *(u32 *)(r1 + 0)\nr0 = 1\nexit\n", E::Ok},
    {"sockops_op_narrow", "sock_ops", "r0 = *(u8 *)(r1 + 0)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"sockops_tcp_flags_narrow", "sock_ops", "r0 = *(u8 *)(r1 + 212)\nr0 = 1\nexit\n", E::Ok},
    {"sockops_reply_write", "sock_ops", "r2 = 0\n*(u32 *)(r1 + 4) = r2\nr0 = 1\nexit\n", E::Ok},
    {"sockops_args1_write", "sock_ops", "r2 = 0\n*(u32 *)(r1 + 8) = r2\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 1},
    {"sockops_txhash_write", "sock_ops", "r2 = 0\n*(u32 *)(r1 + 164) = r2\nr0 = 1\nexit\n", E::Ok},
    {"sockops_bytes_acked", "sock_ops", "r0 = *(u64 *)(r1 + 176)\nr0 = 1\nexit\n", E::Ok},
    {"sockops_bytes_acked_narrow", "sock_ops", "r0 = *(u32 *)(r1 + 176)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"sockops_sk_narrow", "sock_ops", "r0 = *(u32 *)(r1 + 188)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"sockops_sk_whole", "sock_ops", "r0 = *(u64 *)(r1 + 184)\nr0 = 1\nexit\n", E::Ok},
    {"sockops_past_end", "sock_ops", "r0 = *(u32 *)(r1 + 224)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"sockops_ret2", "sock_ops", "r0 = 2\nexit\n", E::VerifierBadReturn, 1},
    {"sockops_pkt_read", "sock_ops", PKT64(192, 200) "r0 = *(u8 *)(r2 + 0)\nout: r0 = 1\nexit\n", E::Ok},
    {"sockops_pkt_write", "sock_ops", PKT64(192, 200) "r5 = 0\n*(u8 *)(r2 + 0) = r5\nout: r0 = 1\nexit\n",
     E::VerifierInvalidMemAccess, 6},
    // sk_msg: 64-bit data and data_end, u32 fields whole, read only; the message is writable.
    {"skmsg_fields", "sk_msg", "r0 = *(u32 *)(r1 + 16)\nr0 = *(u32 *)(r1 + 40)\nr0 = *(u32 *)(r1 + 68)\nr0 = 0\nexit\n", E::Ok},
    {"skmsg_family_narrow", "sk_msg", "r0 = *(u8 *)(r1 + 16)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"skmsg_size_u64", "sk_msg", "r0 = *(u64 *)(r1 + 64)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"skmsg_past_end", "sk_msg", "r0 = *(u32 *)(r1 + 80)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"skmsg_data_u32", "sk_msg", "r0 = *(u32 *)(r1 + 0)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"skmsg_write", "sk_msg", "r2 = 0\n*(u32 *)(r1 + 16) = r2\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 1},
    {"skmsg_pkt_write", "sk_msg", PKT64(0, 8) "r5 = 0\n*(u8 *)(r2 + 0) = r5\nout: r0 = 0\nexit\n", E::Ok},
    {"skmsg_pkt_past_check", "sk_msg", PKT64(0, 8) "r0 = *(u16 *)(r2 + 0)\nout: r0 = 0\nexit\n", E::VerifierOutOfBounds, 5},
    // flow_dissector: data, data_end and the flow_keys pointer only.
    {"flow_keys_rw", "flow_dissector",
     "r2 = *(u64 *)(r1 + 144)\nr3 = *(u16 *)(r2 + 0)\n*(u16 *)(r2 + 2) = r3\nr0 = *(u32 *)(r2 + 52)\nr0 = 0\nexit\n", E::Ok},
    {"flow_keys_past_end", "flow_dissector", "r2 = *(u64 *)(r1 + 144)\nr0 = *(u32 *)(r2 + 56)\nr0 = 0\nexit\n",
     E::VerifierOutOfBounds, 1},
    {"flow_keys_narrow", "flow_dissector", "r2 = *(u32 *)(r1 + 144)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"flow_keys_const_off", "flow_dissector", "r7 = *(u64 *)(r1 + 144)\nr7 += 8\nr0 = *(u64 *)(r7 + 0)\nr0 = 0\nexit\n", E::Ok},
    {"flow_keys_var_off", "flow_dissector",
     "r7 = *(u64 *)(r1 + 144)\nr8 = *(u16 *)(r7 + 0)\nr8 &= 8\nr7 += r8\nr0 = *(u64 *)(r7 + 0)\nr0 = 0\nexit\n",
     E::VerifierBadPointerArith, 3},
    {"flow_mark", "flow_dissector", "r0 = *(u32 *)(r1 + 8)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"flow_data_signed", "flow_dissector", "r2 = *(s32 *)(r1 + 76)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"flow_pkt_read", "flow_dissector", PKT32(76, 80) "r0 = *(u8 *)(r2 + 0)\nout: r0 = 0\nexit\n", E::Ok},
    {"flow_pkt_write", "flow_dissector", PKT32(76, 80) "r5 = 0\n*(u8 *)(r2 + 0) = r5\nout: r0 = 0\nexit\n",
     E::VerifierInvalidMemAccess, 6},
    // sk_reuseport: eth_protocol with 2 or 4 bytes, hash whole, read only.
    {"reuseport_eth_half", "sk_reuseport", "r0 = *(u16 *)(r1 + 22)\nr0 = *(u32 *)(r1 + 20)\nr0 = 0\nexit\n", E::Ok},
    {"reuseport_eth_byte", "sk_reuseport", "r0 = *(u8 *)(r1 + 20)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"reuseport_len_byte", "sk_reuseport", "r0 = *(u8 *)(r1 + 17)\nr0 = 0\nexit\n", E::Ok},
    {"reuseport_hash_half", "sk_reuseport", "r0 = *(u16 *)(r1 + 32)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"reuseport_write", "sk_reuseport", "r2 = 0\n*(u32 *)(r1 + 16) = r2\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 1},
    {"reuseport_pkt_read", "sk_reuseport", PKT64(0, 8) "r0 = *(u8 *)(r2 + 0)\nout: r0 = 0\nexit\n", E::Ok},
    // sk_lookup: remote_port as 2 bytes or a 4-byte word, the padding after it, return SK_DROP or SK_PASS.
    {"lookup_ports", "sk_lookup",
     "r0 = *(u32 *)(r1 + 36)\nr0 = *(u8 *)(r1 + 37)\nr0 = *(u16 *)(r1 + 38)\nr0 = *(u8 *)(r1 + 61)\nr0 = 1\nexit\n", E::Ok},
    {"lookup_sk_narrow", "sk_lookup", "r0 = *(u32 *)(r1 + 0)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"lookup_write", "sk_lookup", "r2 = 0\n*(u32 *)(r1 + 8) = r2\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 1},
    {"lookup_ret2", "sk_lookup", "r0 = 2\nexit\n", E::VerifierBadReturn, 1},
    // cgroup sysctl: write read only, file_pos written whole.
    {"sysctl_write_narrow", "cgroup_sysctl", "r0 = *(u8 *)(r1 + 0)\nr0 = 1\nexit\n", E::Ok},
    {"sysctl_write_store", "cgroup_sysctl", "r2 = 0\n*(u32 *)(r1 + 0) = r2\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 1},
    {"sysctl_file_pos_store", "cgroup_sysctl", "r2 = 0\n*(u32 *)(r1 + 4) = r2\nr0 = 1\nexit\n", E::Ok},
    {"sysctl_file_pos_narrow_store", "cgroup_sysctl", "r2 = 0\n*(u16 *)(r1 + 4) = r2\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 1},
    {"sysctl_ret2", "cgroup_sysctl", "r0 = 2\nexit\n", E::VerifierBadReturn, 1},
    // cgroup sockopt: retval by getsockopt, level and optname written by setsockopt, optval writable.
    {"getsockopt_retval", "cgroup_getsockopt", "r2 = *(u32 *)(r1 + 36)\n*(u32 *)(r1 + 36) = r2\nr0 = 1\nexit\n", E::Ok},
    {"setsockopt_retval", "cgroup_setsockopt", "r2 = *(u32 *)(r1 + 36)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"setsockopt_level", "cgroup_setsockopt", "r2 = 0\n*(u32 *)(r1 + 24) = r2\n*(u32 *)(r1 + 32) = r2\nr0 = 1\nexit\n", E::Ok},
    {"getsockopt_level", "cgroup_getsockopt", "r2 = 0\n*(u32 *)(r1 + 24) = r2\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 1},
    {"getsockopt_optval_narrow", "cgroup_getsockopt", "r2 = *(u32 *)(r1 + 12)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"getsockopt_optval_write", "cgroup_getsockopt", PKT64(8, 16) "r5 = 0\n*(u8 *)(r2 + 0) = r5\nout: r0 = 1\nexit\n", E::Ok},
    {"getsockopt_ret2", "cgroup_getsockopt", "r0 = 2\nexit\n", E::VerifierBadReturn, 1},
    // cgroup device: access_type with any width, major and minor whole, read only.
    {"dev_access_narrow", "cgroup_device", "r0 = *(u16 *)(r1 + 2)\nr0 = *(u32 *)(r1 + 8)\nr0 = 1\nexit\n", E::Ok},
    {"dev_major_narrow", "cgroup_device", "r0 = *(u16 *)(r1 + 4)\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 0},
    {"dev_write", "cgroup_device", "r2 = 0\n*(u32 *)(r1 + 0) = r2\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 1},
    {"dev_ret2", "cgroup_device", "r0 = 2\nexit\n", E::VerifierBadReturn, 1},
    // netfilter: two pointers read whole, nothing written, NF_DROP or NF_ACCEPT.
    {"nf_pointers", "netfilter", "r2 = *(u64 *)(r1 + 0)\nr3 = *(u64 *)(r1 + 8)\nr0 = 1\nexit\n", E::Ok},
    {"nf_state_byte", "netfilter", "r2 = *(u8 *)(r1 + 0)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"nf_past_end", "netfilter", "r2 = *(u64 *)(r1 + 16)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"nf_write", "netfilter", "r2 = 0\n*(u64 *)(r1 + 0) = r2\nr0 = 1\nexit\n", E::VerifierBadCtxAccess, 1},
    {"nf_ret2", "netfilter", "r0 = 2\nexit\n", E::VerifierBadReturn, 1},
    // sched_act: tc's context and the legacy packet loads.
    {"act_ldabs", "sched_act", "r6 = r1\nr0 = *(u8 *)skb[12]\nexit\n", E::Ok},
    {"act_mark_write", "sched_act", "r2 = 0\n*(u32 *)(r1 + 8) = r2\nr0 = 0\nexit\n", E::Ok},
};

const Case kTracingTypes[] = {
    // u64 arguments: read at multiples of 8, narrower at an argument's start only, never written.
    {"fentry_arg_narrow", "fentry", "r0 = *(u32 *)(r1 + 8)\nr0 = *(u8 *)(r1 + 0)\nr0 = 0\nexit\n", E::Ok},
    {"fentry_arg_upper_half", "fentry", "r0 = *(u32 *)(r1 + 4)\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 0},
    {"fentry_arg_write", "fentry", "r2 = 0\n*(u64 *)(r1 + 0) = r2\nr0 = 0\nexit\n", E::VerifierBadCtxAccess, 1},
    {"fentry_ret1", "fentry", "r0 = 1\nexit\n", E::VerifierBadReturn, 1},
    {"fexit_ret1", "fexit", "r0 = 1\nexit\n", E::VerifierBadReturn, 1},
    {"fmod_ret_any", "fmod_ret", "r0 = -22\nexit\n", E::Ok},
    {"tp_btf_any", "tp_btf", "r0 = *(u64 *)(r1 + 88)\nexit\n", E::Ok},
    {"tp_btf_past_end", "tp_btf", "r0 = *(u64 *)(r1 + 96)\nexit\n", E::VerifierBadCtxAccess, 0},
    {"iter_ret2", "iter", "r0 = 2\nexit\n", E::VerifierBadReturn, 1},
    {"lsm_any", "lsm", "r0 = -1\nexit\n", E::Ok},
    {"raw_tp_w_arg", "raw_tracepoint_writable", "r0 = *(u32 *)(r1 + 12)\nr0 = 0\nexit\n", E::Ok},
};

class SocketTypes : public ::testing::TestWithParam<Case> {};
TEST_P(SocketTypes, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, SocketTypes, ::testing::ValuesIn(kSocketTypes), case_name);

class TracingTypes : public ::testing::TestWithParam<Case> {};
TEST_P(TracingTypes, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, TracingTypes, ::testing::ValuesIn(kTracingTypes), case_name);

[[maybe_unused]] const bool registered_kSocketTypes = register_cases(kSocketTypes);
[[maybe_unused]] const bool registered_kTracingTypes = register_cases(kTracingTypes);

}  // namespace
}  // namespace decade::test
