// SPDX-License-Identifier: Apache-2.0
// The built-in program types as descriptors (Platform::standard() registers them).
#pragma once

#include <vector>

#include "runtime/platform.hpp"

namespace decade {

// XDP return codes (enum xdp_action).
inline constexpr int64_t kXdpAborted = 0, kXdpDrop = 1, kXdpPass = 2, kXdpTx = 3, kXdpRedirect = 4;

// socket_filter, cgroup_skb, sched_cls (tc), xdp, raw, syscall, uprobe, struct_ops,
// kprobe, tracepoint, raw_tracepoint, perf_event, lwt_in/out/xmit/seg6local, sk_skb, and
// the cgroup socket and socket-address hooks (cgroup_inet4_connect, ...). The
// helper allow lists are filled in by Platform::standard() from the helper
// table (packet-specific helpers only for their type).
std::vector<ProgramType> standard_program_types();

// The syscall type's context bound (the kernel's U16_MAX ctx_size_in).
inline constexpr uint32_t kSyscallCtxMax = 65535;

}  // namespace decade
