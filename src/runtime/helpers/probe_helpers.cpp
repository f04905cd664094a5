// SPDX-License-Identifier: Apache-2.0
// Tracing helpers that describe a user-space probe hit (runtime/probe_hit.hpp):
// the probed address, the attach cookie, and the user stack walked through
// frame pointers (bpf_get_stack, and bpf_get_stackid into a stack trace map). Every read of the stack goes through host_readable (the
// host's grant) and probe_copy, so a corrupt frame chain ends the walk
// instead of faulting.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/stack_trace.hpp"
#include "runtime/run_context.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/probe_hit.hpp"

namespace decade {
namespace {

constexpr uint64_t kSkipMask = kStackSkipMask;    // BPF_F_SKIP_FIELD_MASK
constexpr uint64_t kUserStack = kStackUserStack;  // BPF_F_USER_STACK
constexpr uint64_t kUserBuildId = 1ull << 11;  // BPF_F_USER_BUILD_ID
constexpr uint32_t kMaxFrames = 127;           // the kernel's sysctl_perf_event_max_stack default

uint64_t get_func_ip(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return t_probe_hit.func_ip; }
uint64_t get_attach_cookie(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return t_probe_hit.cookie; }

// n bytes at addr, when the host lets programs read them and they are mapped.
bool read_checked(void* dst, uint64_t addr, size_t n) {
  return host_readable(addr, n) == n && probe_copy(dst, addr, n) == n;
}

// Fills out[0, max) with return addresses, innermost first: ip, then (at a
// function's entry) the return address at [sp], then one per frame of the
// rbp chain. A frame must lie above the previous one (stacks grow down), so
// a loop in a corrupt chain ends the walk.
uint32_t walk_user_stack(const X86PtRegs& regs, uint64_t* out, uint32_t max) {
  uint32_t n = 0;
  if (n < max) out[n++] = regs.ip;
  if (t_probe_hit.at_entry && n < max) {
    uint64_t ret = 0;
    if (!read_checked(&ret, regs.sp, 8)) return n;
    out[n++] = ret;
  }
  uint64_t bp = regs.bp, floor = regs.sp;
  while (n < max && bp >= floor && bp % 8 == 0) {
    uint64_t frame[2];  // saved rbp, return address
    if (!read_checked(frame, bp, sizeof frame) || frame[1] == 0) break;
    out[n++] = frame[1];
    floor = bp + 16;
    bp = frame[0];
  }
  return n;
}

// bpf_get_stack(ctx, buf, size, flags): the user stack as u64 addresses;
// returns the bytes written (the rest of buf zeroed). A user-space probe
// has no kernel stack: without BPF_F_USER_STACK the stack is empty.
uint64_t get_stack(uint64_t ctx, uint64_t buf, uint64_t size, uint64_t flags, uint64_t) {
  auto* out = reinterpret_cast<uint64_t*>(buf);
  if ((flags & ~(kSkipMask | kUserStack | kUserBuildId)) || (flags & kUserBuildId) || size % 8)
    return static_cast<uint64_t>(-EINVAL);
  if (size) std::memset(out, 0, size);
  if (!(flags & kUserStack)) return 0;
  // ctx is the run's pt_regs: the verifier proves it, and checked runs
  // refuse any other value before the call (check_helper_args).
  const auto& regs = *reinterpret_cast<const X86PtRegs*>(ctx);
  const uint32_t skip = uint32_t(flags & kSkipMask);
  uint64_t frames[kMaxFrames + kSkipMask];
  const uint32_t got = walk_user_stack(regs, frames, kMaxFrames + skip);
  if (got <= skip) return 0;
  const uint64_t n = std::min<uint64_t>(got - skip, size / 8);
  if (n) std::memcpy(out, frames + skip, n * 8);
  return n * 8;
}

// bpf_get_stackid(ctx, map, flags): the user stack (BPF_F_USER_STACK) past
// the skipped frames, cut to the map's value depth, stored in the stack
// trace map; returns its id. A user-space probe has no kernel stack, so
// without BPF_F_USER_STACK, or with no frame left after skipping, the
// answer is the kernel's for a missing stack: -EFAULT.
uint64_t get_stackid(uint64_t ctx, uint64_t m, uint64_t flags, uint64_t, uint64_t) {
  StackTraceMap* map = as_stack_trace_map(reinterpret_cast<Map*>(m));
  if (!map) {  // the verifier allows stack trace maps only
    raise_fault(ErrorCode::ExecHelperFault, "bpf_get_stackid: the map is not a stack trace map");
    return static_cast<uint64_t>(-EINVAL);
  }
  if (flags & ~(kSkipMask | kUserStack | kStackFastCmp | kStackReuseId)) return static_cast<uint64_t>(-EINVAL);
  if (!(flags & kUserStack)) return static_cast<uint64_t>(-EFAULT);
  const auto& regs = *reinterpret_cast<const X86PtRegs*>(ctx);  // pt_regs, as for bpf_get_stack
  const uint32_t skip = uint32_t(flags & kSkipMask);
  const uint32_t depth = std::min(map->def().value_size / 8, kMaxFrames);
  uint64_t frames[kMaxFrames + kSkipMask];
  const uint32_t got = walk_user_stack(regs, frames, depth + skip);
  if (got <= skip) return static_cast<uint64_t>(-EFAULT);
  return static_cast<uint64_t>(map->store(frames + skip, got - skip, flags));
}

}  // namespace

bool is_tracing_only_helper(uint32_t id) {
  return id == kHelperGetFuncIp || id == kHelperGetAttachCookie || id == kHelperGetStack ||
         id == kHelperGetStackid;
}

void append_probe_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  out.push_back(make_proto("bpf_get_func_ip", kHelperGetFuncIp, get_func_ip, R::Integer, {A::PtrToCtx}));
  out.push_back(make_proto("bpf_get_attach_cookie", kHelperGetAttachCookie, get_attach_cookie, R::Integer, {A::PtrToCtx}));
  out.push_back(make_proto("bpf_get_stack", kHelperGetStack, get_stack, R::Integer,
                           {A::PtrToCtx, A::PtrToUninitMem, A::ConstSizeOrZero, A::Scalar}, kHelperReadsHostMemory));
  out.push_back(make_proto("bpf_get_stackid", kHelperGetStackid, get_stackid, R::Integer,
                           {A::PtrToCtx, A::ConstMapPtr, A::Scalar}, kHelperReadsHostMemory));
}

}  // namespace decade
