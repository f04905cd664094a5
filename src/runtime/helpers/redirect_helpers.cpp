// SPDX-License-Identifier: Apache-2.0
// bpf_redirect and bpf_redirect_map: they choose where the packet goes and
// record it with the packet (RedirectInfo in packet_context.hpp); the host
// reads it after the run (TestRunResult::redirect). Neither takes the
// context, as in the kernel, so the packet is the one the running chain was
// given (RunContext::ctx). Return values are the kernel's: the action the
// program should return, or the fallback it asked for.
#include <cstring>

#include "runtime/helpers/helpers.hpp"
#include "runtime/map.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

constexpr uint64_t kXdpAborted = 0, kXdpRedirect = 4, kTcActShot = 2, kTcActRedirect = 7;
constexpr uint64_t kXdpActionMask = 3;  // XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX
constexpr uint64_t kBpfFIngress = 1, kBpfFBroadcast = 1u << 3, kBpfFExcludeIngress = 1u << 4;

uint64_t run_ctx() {
  const RunContext* rc = current_run_context();
  return rc ? rc->ctx : 0;
}

// bpf_redirect(ifindex, flags): XDP (bpf_xdp_redirect) takes no flags; tc
// takes BPF_F_INGRESS only.
uint64_t redirect(uint64_t ifindex, uint64_t flags, uint64_t, uint64_t, uint64_t) {
  const uint64_t ctx = run_ctx();
  if (XdpBuff* b = XdpBuff::from_ctx(ctx)) {
    if (flags) return kXdpAborted;
    b->redirect = RedirectInfo{nullptr, static_cast<uint32_t>(ifindex), 0, 0};
    return kXdpRedirect;
  }
  if (SkBuff* b = SkBuff::from_ctx(ctx)) {
    if (flags & ~kBpfFIngress) return kTcActShot;
    b->redirect = RedirectInfo{nullptr, static_cast<uint32_t>(ifindex), 0, flags};
    return kTcActRedirect;
  }
  raise_fault(ErrorCode::ExecHelperFault, "bpf_redirect: the run's context is not an XdpBuff or an SkBuff");
  return kXdpAborted;
}

// bpf_redirect_neigh(ifindex, params, plen, flags), tc only: as bpf_redirect
// to ifindex's egress, the neighbour (through the next hop params names,
// when it names one) resolved by whoever sends the packet on: the host. The
// report's flags say which (the kernel's internal BPF_F_NEIGH and
// BPF_F_NEXTHOP bits; docs/helpers.md). The kernel drops (TC_ACT_SHOT) a
// call with flags or with params shorter than struct bpf_redir_neigh.
uint64_t redirect_neigh(uint64_t ifindex, uint64_t, uint64_t plen, uint64_t flags, uint64_t) {
  constexpr uint64_t kNeigh = 1u << 1, kNexthop = 1u << 2, kRedirNeighSize = 20;
  SkBuff* b = SkBuff::from_ctx(run_ctx());
  if (!b) {
    raise_fault(ErrorCode::ExecHelperFault, "bpf_redirect_neigh: the run's context is not an SkBuff");
    return kTcActShot;
  }
  if (flags || (plen && plen < kRedirNeighSize)) return kTcActShot;
  b->redirect = RedirectInfo{nullptr, static_cast<uint32_t>(ifindex), 0, kNeigh | (plen ? kNexthop : 0)};
  return kTcActRedirect;
}

// bpf_clone_redirect(skb, ifindex, flags) (tc, lwt_xmit): a copy of the
// packet as it is now goes to ifindex (its ingress with BPF_F_INGRESS) and
// the program goes on with the original. The copy is recorded with the
// packet and reported to the host (TestRunResult::clones) in call order.
// -EINVAL for other flags or a device the host does not have (its
// FibTable interfaces, or the test run's loopback, ifindex 1); -ENOMEM
// past kMaxClones copies in one run, as a failed skb_clone in the kernel
// (a loop of clones would otherwise hold the host's memory).
uint64_t clone_redirect(uint64_t ctx, uint64_t ifindex, uint64_t flags, uint64_t, uint64_t) {
  constexpr size_t kMaxClones = 1024;
  SkBuff* b = SkBuff::from_ctx(ctx);
  if (!b) {
    raise_fault(ErrorCode::ExecHelperFault, "bpf_clone_redirect: context is not an SkBuff");
    return static_cast<uint64_t>(-EINVAL);
  }
  uint32_t mtu = 0;
  if (flags & ~kBpfFIngress) return static_cast<uint64_t>(-EINVAL);
  if (!ifindex || !host_device_mtu(static_cast<uint32_t>(ifindex), 0, &mtu)) return static_cast<uint64_t>(-EINVAL);
  if (b->clones.size() >= kMaxClones) return static_cast<uint64_t>(-ENOMEM);
  return static_cast<uint64_t>(nothrow_op([&]() -> long {
    const auto pkt = b->packet();
    b->clones.push_back(SkbClone{static_cast<uint32_t>(ifindex), flags == kBpfFIngress, std::vector<uint8_t>(pkt.begin(), pkt.end())});
    return 0;
  }));
}

// bpf_redirect_map(map, key, flags): the low two bits of flags are the
// action returned when the key has no entry; devmaps also take
// BPF_F_BROADCAST (every entry, the key unused) and BPF_F_EXCLUDE_INGRESS.
uint64_t redirect_map(uint64_t m, uint64_t key, uint64_t flags, uint64_t, uint64_t) {
  Map* map = reinterpret_cast<Map*>(m);
  XdpBuff* b = XdpBuff::from_ctx(run_ctx());
  if (!b) {
    raise_fault(ErrorCode::ExecHelperFault, "bpf_redirect_map: the run's context is not an XdpBuff");
    return kXdpAborted;
  }
  const bool devmap = map->type() == MapType::Devmap || map->type() == MapType::DevmapHash;
  const uint64_t allowed = kXdpActionMask | (devmap ? kBpfFBroadcast | kBpfFExcludeIngress : 0);
  if (flags & ~allowed) return kXdpAborted;
  const auto k = static_cast<uint32_t>(key);
  const void* v = map->lookup(&k);
  if (!v && !(flags & kBpfFBroadcast)) {
    b->redirect.reset();
    return flags & kXdpActionMask;
  }
  uint64_t value = 0;
  if (v) std::memcpy(&value, v, map->def().value_size);
  b->redirect = RedirectInfo{map, k, value, flags & kBpfFBroadcast ? flags & ~kXdpActionMask : 0};
  return kXdpRedirect;
}

}  // namespace

void append_redirect_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  out.push_back(make_proto("bpf_redirect", kHelperRedirect, redirect, RetKind::Integer, {A::Scalar, A::Scalar}));
  out.push_back(make_proto("bpf_redirect_map", kHelperRedirectMap, redirect_map, RetKind::Integer,
                           {A::ConstMapPtr, A::Scalar, A::Scalar}));
  // params may be NULL with plen 0 (the kernel's PTR_TO_MEM | PTR_MAYBE_NULL).
  // Packet-changing in the kernel (bpf_helper_changes_pkt_data: making
  // the original's head writable may move it), so pointers die here too.
  out.push_back(make_proto("bpf_clone_redirect", kHelperCloneRedirect, clone_redirect, RetKind::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar}, kHelperChangesPacket));
  out.push_back(make_proto("bpf_redirect_neigh", kHelperRedirectNeigh, redirect_neigh, RetKind::Integer,
                           {A::Scalar, A::PtrToMem, A::ConstSizeOrZero, A::Scalar}, kHelperNullable));
}

}  // namespace decade
