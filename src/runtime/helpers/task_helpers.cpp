// SPDX-License-Identifier: Apache-2.0
// The calling task: bpf_get_current_task, its cgroup's ids
// (bpf_get_current_cgroup_id, bpf_get_current_ancestor_cgroup_id) and the
// cgroup array helpers (bpf_current_task_under_cgroup,
// bpf_skb_under_cgroup), with their
// user-space meaning written down in docs/helpers.md.
//
// There is no kernel task_struct in user space. bpf_get_current_task
// returns an opaque, non-zero number per thread in the kernel half of the
// address space: programs may compare and store it, and every
// bpf_probe_read_kernel through it fails with -EFAULT (no process can read
// those addresses), as a read of an unmapped kernel address does.
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "runtime/cgroup_path.hpp"
#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/cgroup_array.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

// The opaque task value: a kernel-half base plus the thread id in 16 KiB
// steps (a task_struct's size order), so values differ per thread.
constexpr uint64_t kTaskBase = 0xffff'8880'0000'0000ull;

uint64_t get_current_task(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  thread_local const uint64_t task = kTaskBase + (static_cast<uint64_t>(syscall(SYS_gettid)) << 14);
  return task;
}

uint64_t under_cgroup(uint64_t m, uint64_t index, const char* helper) {
  CgroupArray* map = as_cgroup_array(reinterpret_cast<Map*>(m));
  if (!map) {  // the verifier allows cgroup arrays only
    raise_fault(ErrorCode::ExecHelperFault, std::string(helper) + ": the map is not a cgroup array");
    return static_cast<uint64_t>(-EINVAL);
  }
  return static_cast<uint64_t>(map->thread_under(static_cast<uint32_t>(index)));
}

// bpf_current_task_under_cgroup(map, index): is the calling thread in the
// slot's cgroup or below it (1 / 0), -E2BIG, -EAGAIN for an empty slot.
uint64_t current_task_under_cgroup(uint64_t m, uint64_t index, uint64_t, uint64_t, uint64_t) {
  return under_cgroup(m, index, "bpf_current_task_under_cgroup");
}

// bpf_skb_under_cgroup(skb, map, index): the cgroup of the packet's socket.
// A packet a host runs a tc program on belongs to the running thread (the
// kernel's test run, too, gives the packet a socket of the calling task), so
// the answer is bpf_current_task_under_cgroup's.
// The skb helpers' context check: a context the runtime did not build
// faults the run (ExecHelperFault naming the helper).
bool skb_context(uint64_t ctx, const char* helper) {
  if (SkBuff::from_ctx(ctx)) return true;
  raise_fault(ErrorCode::ExecHelperFault, std::string(helper) + ": the run's context is not an SkBuff");
  return false;
}

uint64_t skb_under_cgroup(uint64_t ctx, uint64_t m, uint64_t index, uint64_t, uint64_t) {
  if (!skb_context(ctx, "bpf_skb_under_cgroup")) return static_cast<uint64_t>(-EINVAL);
  return under_cgroup(m, index, "bpf_skb_under_cgroup");
}

// bpf_get_current_cgroup_id(): the calling thread's cgroup v2 id (its
// directory's inode number, the kernel's cgroup_id); 0 when unreadable.
uint64_t get_current_cgroup_id(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  return nothrow_op([]() -> long { return static_cast<long>(cgroup::current_id()); });
}

// bpf_get_current_ancestor_cgroup_id(level): the id of that cgroup's
// ancestor at `level` (0: the root), 0 past its own level.
uint64_t get_current_ancestor_cgroup_id(uint64_t level, uint64_t, uint64_t, uint64_t, uint64_t) {
  if (level > 4096) return 0;  // deeper than any hierarchy; the kernel answers 0 as well
  return nothrow_op([level]() -> long { return static_cast<long>(cgroup::current_ancestor_id(static_cast<int>(level))); });
}

// bpf_skb_cgroup_id(skb) / bpf_skb_ancestor_cgroup_id(skb, level): the
// cgroup of the packet's socket, which for a packet a host runs is the
// running thread's (as bpf_skb_under_cgroup; the kernel's test run gives
// the packet a socket of the calling task, whose cgroup it records).
uint64_t skb_cgroup_id(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
  return skb_context(ctx, "bpf_skb_cgroup_id") ? get_current_cgroup_id(0, 0, 0, 0, 0) : 0;
}
uint64_t skb_ancestor_cgroup_id(uint64_t ctx, uint64_t level, uint64_t, uint64_t, uint64_t) {
  return skb_context(ctx, "bpf_skb_ancestor_cgroup_id") ? get_current_ancestor_cgroup_id(level, 0, 0, 0, 0) : 0;
}

}  // namespace

const char* missing_helper_reason(uint32_t id) {
  switch (id) {
    case kHelperGetCurrentTaskBtf:
      return "(bpf_get_current_task_btf) is not supported: it returns a BTF pointer to the kernel's task_struct, and Decade has no kernel (vmlinux) types for "
             "programs to read it through; use bpf_get_current_pid_tgid, bpf_get_current_comm or "
             "bpf_get_current_task";
    default:
      return nullptr;
  }
}

void append_task_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  out.push_back(make_proto("bpf_get_current_task", kHelperGetCurrentTask, get_current_task, R::Integer, {}));
  out.push_back(make_proto("bpf_current_task_under_cgroup", kHelperCurrentTaskUnderCgroup, current_task_under_cgroup,
                           R::Integer, {A::ConstMapPtr, A::Scalar}));
  out.push_back(make_proto("bpf_get_current_cgroup_id", kHelperGetCurrentCgroupId, get_current_cgroup_id, R::Integer, {}));
  out.push_back(make_proto("bpf_get_current_ancestor_cgroup_id", kHelperGetCurrentAncestorCgroupId,
                           get_current_ancestor_cgroup_id, R::Integer, {A::Scalar}));
  out.push_back(make_proto("bpf_skb_cgroup_id", kHelperSkbCgroupId, skb_cgroup_id, R::Integer, {A::PtrToCtx}));
  out.push_back(make_proto("bpf_skb_ancestor_cgroup_id", kHelperSkbAncestorCgroupId, skb_ancestor_cgroup_id, R::Integer,
                           {A::PtrToCtx, A::Scalar}));
  out.push_back(make_proto("bpf_skb_under_cgroup", kHelperSkbUnderCgroup, skb_under_cgroup, R::Integer,
                           {A::PtrToCtx, A::ConstMapPtr, A::Scalar}));
}

}  // namespace decade
