// SPDX-License-Identifier: Apache-2.0
// Packet helpers: r1 is the context a host built with XdpBuff / SkBuff
// (packet_context.hpp). A context the runtime did not build is reported as
// a fault rather than dereferenced.
#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

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

// bpf_skb_load_bytes(skb, offset, to, len)
uint64_t skb_load_bytes(uint64_t ctx, uint64_t offset, uint64_t to, uint64_t len, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(-EFAULT);
  return as_ret(b->load_bytes(static_cast<uint32_t>(offset), reinterpret_cast<void*>(to), len));
}

// bpf_skb_store_bytes(skb, offset, from, len, flags): checksum flags are
// accepted (BPF_F_RECOMPUTE_CSUM 1, BPF_F_INVALIDATE_HASH 2) but there is
// no checksum state to update in a host buffer.
uint64_t skb_store_bytes(uint64_t ctx, uint64_t offset, uint64_t from, uint64_t len, uint64_t flags) {
  if (flags & ~uint64_t{3}) return as_ret(kEINVAL);
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(-EFAULT);
  return as_ret(b->store_bytes(static_cast<uint32_t>(offset), reinterpret_cast<const void*>(from), len));
}

}  // namespace

bool is_xdp_only_helper(uint32_t id) {
  return id == kHelperXdpAdjustHead || id == kHelperXdpAdjustMeta || id == kHelperXdpAdjustTail ||
         id == kHelperRedirectMap;
}
bool is_skb_only_helper(uint32_t id) { return id == kHelperSkbLoadBytes || id == kHelperSkbStoreBytes; }

void append_packet_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  constexpr uint32_t kMoves = kHelperChangesPacket;
  out.push_back(make_proto("bpf_xdp_adjust_head", kHelperXdpAdjustHead, xdp_adjust_head, R::Integer, {A::PtrToCtx, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_xdp_adjust_meta", kHelperXdpAdjustMeta, xdp_adjust_meta, R::Integer, {A::PtrToCtx, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_xdp_adjust_tail", kHelperXdpAdjustTail, xdp_adjust_tail, R::Integer, {A::PtrToCtx, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_skb_load_bytes", kHelperSkbLoadBytes, skb_load_bytes, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::PtrToUninitMem, A::ConstSize}));
  out.push_back(make_proto("bpf_skb_store_bytes", kHelperSkbStoreBytes, skb_store_bytes, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::PtrToMem, A::ConstSize, A::Scalar}, kMoves));
}

}  // namespace decade
