// SPDX-License-Identifier: Apache-2.0
// Packet helpers: r1 is the context a host built with XdpBuff / SkBuff
// (packet_context.hpp). A context the runtime did not build is reported as
// a fault rather than dereferenced. This file also holds the table of which
// packet program types may call which helper (packet_helper_types).
#include <cstring>

#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

constexpr uint64_t kMaxPacketOffset = 0xffff;  // the kernel's bound on helper offsets and lengths

XdpBuff* xdp(uint64_t ctx) {
  XdpBuff* b = XdpBuff::from_ctx(ctx);
  if (!b) raise_fault(ErrorCode::ExecHelperFault, "xdp helper: context is not an XdpBuff");
  return b;
}

SkBuff* skb(uint64_t ctx) {
  SkBuff* b = SkBuff::from_ctx(ctx);
  if (!b) raise_fault(ErrorCode::ExecHelperFault, "skb helper: context is not an SkBuff");
  return b;
}

uint64_t as_ret(long v) { return static_cast<uint64_t>(v); }

uint64_t xdp_adjust_head(uint64_t ctx, uint64_t delta, uint64_t, uint64_t, uint64_t) {
  XdpBuff* b = xdp(ctx);
  return b ? as_ret(b->adjust_head(static_cast<int32_t>(delta))) : as_ret(kEINVAL);
}
uint64_t xdp_adjust_meta(uint64_t ctx, uint64_t delta, uint64_t, uint64_t, uint64_t) {
  XdpBuff* b = xdp(ctx);
  return b ? as_ret(b->adjust_meta(static_cast<int32_t>(delta))) : as_ret(kEINVAL);
}
uint64_t xdp_adjust_tail(uint64_t ctx, uint64_t delta, uint64_t, uint64_t, uint64_t) {
  XdpBuff* b = xdp(ctx);
  return b ? as_ret(b->adjust_tail(static_cast<int32_t>(delta))) : as_ret(kEINVAL);
}

// bpf_xdp_load_bytes / bpf_xdp_store_bytes(xdp, offset, buf, len): the
// kernel's bounds (bpf_xdp_pointer): offset or len above 0xffff is -EFAULT,
// a range past the packet -EINVAL. A failed load leaves buf zeroed (the
// verifier counts it written either way).
uint64_t xdp_load_bytes(uint64_t ctx, uint64_t offset, uint64_t to, uint64_t len, uint64_t) {
  auto* dst = reinterpret_cast<uint8_t*>(to);
  XdpBuff* b = xdp(ctx);
  const uint32_t off = static_cast<uint32_t>(offset), n = static_cast<uint32_t>(len);
  long err = !b ? -EFAULT : off > kMaxPacketOffset || n > kMaxPacketOffset ? -EFAULT
                        : uint64_t{off} + n > b->packet().size()        ? -EINVAL
                                                                          : 0;
  if (err) {
    if (n) std::memset(dst, 0, n);
    return as_ret(err);
  }
  // memmove: the program may pass a buffer inside the packet itself.
  if (n) std::memmove(dst, b->packet().data() + off, n);
  return 0;
}
uint64_t xdp_store_bytes(uint64_t ctx, uint64_t offset, uint64_t from, uint64_t len, uint64_t) {
  XdpBuff* b = xdp(ctx);
  const uint32_t off = static_cast<uint32_t>(offset), n = static_cast<uint32_t>(len);
  if (!b || off > kMaxPacketOffset || n > kMaxPacketOffset) return as_ret(-EFAULT);
  if (uint64_t{off} + n > b->packet().size()) return as_ret(-EINVAL);
  if (n) std::memmove(b->packet().data() + off, reinterpret_cast<const void*>(from), n);
  return 0;
}
// bpf_xdp_get_buff_len(xdp): the packet's length (Decade has no fragments).
uint64_t xdp_get_buff_len(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
  XdpBuff* b = xdp(ctx);
  return b ? b->packet().size() : 0;
}

// bpf_skb_load_bytes(skb, offset, to, len)
uint64_t skb_load_bytes(uint64_t ctx, uint64_t offset, uint64_t to, uint64_t len, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(-EFAULT);
  return as_ret(b->load_bytes(static_cast<uint32_t>(offset), reinterpret_cast<void*>(to), len));
}

// bpf_skb_store_bytes(skb, offset, from, len, flags): BPF_F_RECOMPUTE_CSUM
// keeps skb->csum in step for CHECKSUM_COMPLETE packets, which Decade's
// never are (SkbCsum), so it changes nothing; BPF_F_INVALIDATE_HASH clears
// skb->hash as skb_clear_hash does.
uint64_t skb_store_bytes(uint64_t ctx, uint64_t offset, uint64_t from, uint64_t len, uint64_t flags) {
  constexpr uint64_t kRecomputeCsum = 1, kInvalidateHash = 2;
  if (flags & ~(kRecomputeCsum | kInvalidateHash)) return as_ret(kEINVAL);
  SkBuff* b = skb(ctx);
  if (!b || static_cast<uint32_t>(offset) > kMaxPacketOffset) return as_ret(-EFAULT);
  long r = b->store_bytes(static_cast<uint32_t>(offset), reinterpret_cast<const void*>(from), len);
  if (r == 0 && (flags & kInvalidateHash)) b->ctx()->hash = 0;
  return as_ret(r);
}

// bpf_skb_load_bytes_relative(skb, offset, to, len, start_header): as
// bpf_skb_load_bytes from the MAC (BPF_HDR_START_MAC) or network
// (BPF_HDR_START_NET) header; a socket filter's MAC header lies before its
// data. -EFAULT, `to` zeroed, otherwise.
uint64_t skb_load_bytes_relative(uint64_t ctx, uint64_t offset, uint64_t to, uint64_t len, uint64_t start_header) {
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(-EFAULT);
  return as_ret(b->load_bytes_relative(static_cast<uint32_t>(offset), reinterpret_cast<void*>(to), static_cast<uint32_t>(len),
                                       static_cast<uint32_t>(start_header)));
}

// bpf_skb_change_type(skb, pkt_type): skb->pkt_type may move between
// PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST and PACKET_OTHERHOST
// (0..3) only, from and to; anything else is -EINVAL.
uint64_t skb_change_type(uint64_t ctx, uint64_t pkt_type, uint64_t, uint64_t, uint64_t) {
  constexpr uint32_t kPacketOtherhost = 3;
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(kEINVAL);
  const auto type = static_cast<uint32_t>(pkt_type);
  if (b->ctx()->pkt_type > kPacketOtherhost || type > kPacketOtherhost) return as_ret(kEINVAL);
  b->ctx()->pkt_type = type;
  return 0;
}

// bpf_skb_set_tstamp(skb, tstamp, tstamp_type): an IPv4 or IPv6 packet's
// delivery time (-EOPNOTSUPP for other protocols) with its clock:
// BPF_SKB_CLOCK_REALTIME (any value, 0 clears it), BPF_SKB_CLOCK_MONOTONIC
// or BPF_SKB_CLOCK_TAI (non-zero); __sk_buff's tstamp and tstamp_type
// show it. Another clock is -EINVAL.
uint64_t skb_set_tstamp(uint64_t ctx, uint64_t tstamp, uint64_t tstamp_type, uint64_t, uint64_t) {
  constexpr uint32_t kClockRealtime = 0, kClockMonotonic = 1, kClockTai = 2;
  constexpr uint32_t kProtoIpNet = 0x0008, kProtoIpv6Net = 0xdd86;  // htons(ETH_P_IP), htons(ETH_P_IPV6)
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(kEINVAL);
  SkBuffMd* md = b->ctx();
  if (md->protocol != kProtoIpNet && md->protocol != kProtoIpv6Net) return as_ret(-EOPNOTSUPP);
  const auto clock = static_cast<uint32_t>(tstamp_type);
  if (clock != kClockRealtime && clock != kClockMonotonic && clock != kClockTai) return as_ret(kEINVAL);
  if (clock != kClockRealtime && tstamp == 0) return as_ret(kEINVAL);
  md->tstamp = tstamp;
  md->tstamp_type = static_cast<uint8_t>(clock);
  return 0;
}

}  // namespace

uint32_t packet_helper_types(uint32_t id) {
  switch (id) {
    case kHelperXdpAdjustHead: case kHelperXdpAdjustMeta: case kHelperXdpAdjustTail: case kHelperRedirectMap:
    case kHelperXdpGetBuffLen: case kHelperXdpLoadBytes: case kHelperXdpStoreBytes:
      return kProgXdp;
    case kHelperFibLookup: case kHelperTcpRawGenSyncookieIpv4: case kHelperTcpRawGenSyncookieIpv6:
    case kHelperTcpRawCheckSyncookieIpv4: case kHelperTcpRawCheckSyncookieIpv6:
      return kProgXdp | kProgTc;
    case kHelperRedirect:
      return kProgXdp | kProgTc | kProgLwtXmit;
    case kHelperCsumDiff:
      return kProgXdp | kProgTc | kProgLwt | kProgLwtXmit;
    case kHelperSkbLoadBytesRelative:
      return kProgTc | kProgSocketFilter | kProgCgroupSkb | kProgSkReuseport;
    case kHelperSkbLoadBytes:
      return kProgTc | kProgSocketFilter | kProgCgroupSkb | kProgLwt | kProgLwtXmit | kProgSkSkb | kProgFlowDissector |
             kProgSkReuseport;
    case kHelperSkbEcnSetCe: case kHelperSkbCgroupId: case kHelperSkbAncestorCgroupId:
      return kProgTc | kProgCgroupSkb;
    case kHelperSkbPullData:
      return kProgTc | kProgLwt | kProgLwtXmit | kProgSkSkb;
    case kHelperGetHashRecalc:
      return kProgTc | kProgLwt | kProgLwtXmit;
    case kHelperSkbStoreBytes: case kHelperSkbChangeTail: case kHelperSkbChangeHead:
      return kProgTc | kProgLwtXmit | kProgSkSkb;
    case kHelperCloneRedirect:
      return kProgTc | kProgLwtXmit;
    case kHelperSkbAdjustRoom:
      return kProgTc | kProgSkSkb;
    case kHelperL3CsumReplace: case kHelperL4CsumReplace: case kHelperCsumUpdate: case kHelperCsumLevel:
    case kHelperSkbGetTunnelKey: case kHelperSkbSetTunnelKey: case kHelperSkbGetTunnelOpt:
    case kHelperSkbSetTunnelOpt: case kHelperSetHashInvalid:
      return kProgTc | kProgLwtXmit;
    case kHelperSkbChangeType: case kHelperSkbSetTstamp:
      return kProgTc;
    case kHelperSkbChangeProto: case kHelperSkbVlanPush: case kHelperSkbVlanPop: case kHelperSetHash:
    case kHelperSkbUnderCgroup: case kHelperRedirectNeigh:
      return kProgTc;
    default:
      return kAnyProgramType;
  }
}

void append_packet_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  constexpr uint32_t kMoves = kHelperChangesPacket;
  out.push_back(make_proto("bpf_xdp_adjust_head", kHelperXdpAdjustHead, xdp_adjust_head, R::Integer, {A::PtrToCtx, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_xdp_adjust_meta", kHelperXdpAdjustMeta, xdp_adjust_meta, R::Integer, {A::PtrToCtx, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_xdp_adjust_tail", kHelperXdpAdjustTail, xdp_adjust_tail, R::Integer, {A::PtrToCtx, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_xdp_load_bytes", kHelperXdpLoadBytes, xdp_load_bytes, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::PtrToUninitMem, A::ConstSize}));
  // Writes in place without moving the packet: not a packet-changing
  // helper in the kernel either (bpf_helper_changes_pkt_data).
  out.push_back(make_proto("bpf_xdp_store_bytes", kHelperXdpStoreBytes, xdp_store_bytes, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::PtrToMem, A::ConstSize}));
  out.push_back(make_proto("bpf_xdp_get_buff_len", kHelperXdpGetBuffLen, xdp_get_buff_len, R::Integer, {A::PtrToCtx}));
  out.push_back(make_proto("bpf_skb_load_bytes", kHelperSkbLoadBytes, skb_load_bytes, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::PtrToUninitMem, A::ConstSize}));
  out.push_back(make_proto("bpf_skb_load_bytes_relative", kHelperSkbLoadBytesRelative, skb_load_bytes_relative, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::PtrToUninitMem, A::ConstSize, A::Scalar}));
  out.push_back(make_proto("bpf_skb_change_type", kHelperSkbChangeType, skb_change_type, R::Integer, {A::PtrToCtx, A::Scalar}));
  out.push_back(make_proto("bpf_skb_set_tstamp", kHelperSkbSetTstamp, skb_set_tstamp, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar}));
  out.push_back(make_proto("bpf_skb_store_bytes", kHelperSkbStoreBytes, skb_store_bytes, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::PtrToMem, A::ConstSize, A::Scalar}, kMoves));
}

}  // namespace decade
