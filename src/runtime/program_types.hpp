// SPDX-License-Identifier: Apache-2.0
// The built-in program types as descriptors (Platform::standard() registers them).
#pragma once

#include <cstddef>
#include <vector>

#include "runtime/platform.hpp"

namespace decade {

// XDP return codes (enum xdp_action).
inline constexpr int64_t kXdpAborted = 0, kXdpDrop = 1, kXdpPass = 2, kXdpTx = 3, kXdpRedirect = 4;

// socket_filter, cgroup_skb, sched_cls (tc), sched_act, xdp, raw, syscall, uprobe,
// struct_ops, kprobe, tracepoint, raw_tracepoint, perf_event,
// lwt_in/out/xmit/seg6local, sk_skb, the cgroup socket and socket-address
// hooks (cgroup_inet4_connect, ...), the socket_program_types() and the
// tracing_program_types(). The helper allow lists are filled in by
// Platform::standard() from the helper table (packet-specific helpers only
// for their type).
std::vector<ProgramType> standard_program_types();

// sock_ops, sk_msg, flow_dissector, sk_reuseport, sk_lookup, cgroup_sysctl,
// cgroup_getsockopt, cgroup_setsockopt, cgroup_device, netfilter
// (program_types_sock.cpp).
std::vector<ProgramType> socket_program_types();
// tp_btf, fentry, fexit, fmod_ret, lsm, iter, raw_tracepoint_writable
// (program_types_tracing.cpp).
std::vector<ProgramType> tracing_program_types();

// Building blocks of the descriptors: a field, and the same field allowed
// only with its own size (the kernel refuses narrower loads of it).
CtxField ctx_field(const char* name, size_t off, size_t size, bool readable, bool writable,
                   CtxFieldKind kind = CtxFieldKind::Scalar);
CtxField whole_field(CtxField f);
// A socket pointer field, read whole as 8 bytes and never written:
// btf_type "bpf_sock" (the kernel's PTR_TO_SOCKET) or "sock_common"
// (PTR_TO_SOCK_COMMON); maybe_null for the kernel's *_OR_NULL.
CtxField sock_ptr_field(const char* name, size_t off, const char* btf_type, bool maybe_null);

// sizeof(struct bpf_flow_keys): what flow_dissector's flow_keys points at.
inline constexpr uint32_t kFlowKeysSize = 56;

// The syscall type's context bound (the kernel's U16_MAX ctx_size_in).
inline constexpr uint32_t kSyscallCtxMax = 65535;

}  // namespace decade
