// SPDX-License-Identifier: Apache-2.0
// Helpers that resize a tc program's packet: bpf_skb_pull_data,
// bpf_skb_change_tail, bpf_skb_change_head, bpf_skb_adjust_room,
// bpf_skb_change_proto, bpf_skb_vlan_push and bpf_skb_vlan_pop, with the
// kernel's checks and return values. Every one may move the packet
// (kHelperChangesPacket). The frame has fixed room at either end
// (SkBuffOptions::headroom / tailroom): a packet that would grow beyond it
// gets -ENOMEM, as a failed reallocation does in the kernel. Offsets are
// relative to skb->data, which for tc is the MAC header.
#include <cstring>

#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

constexpr long kENOTSUPP = -524;
constexpr uint32_t kEthHlen = 14, kVlanHlen = 4, kIpv4Hlen = 20, kIpv6Hlen = 40;
// struct __sk_buff's protocol and vlan_proto hold the EtherType in network
// order; on this little-endian host these are the values a program sees.
constexpr uint32_t kProtoIp = 0x0008, kProtoIpv6 = 0xdd86, kProto8021Q = 0x0081, kProto8021AD = 0xa888;
// The device a test run's packet is on: the kernel runs them on loopback
// (MTU 65536, 14-byte header), which bounds bpf_skb_change_tail/_head.
constexpr uint64_t kDevMaxLen = 65536 + kEthHlen;
constexpr uint64_t kSkbMaxLen = 16064;  // BPF_SKB_MAX_LEN (SKB_MAX_ALLOC on 4 KiB pages): adjust_room's bound

constexpr uint64_t kFixedGso = 1u << 0, kEncapL3Ipv4 = 1u << 1, kEncapL3Ipv6 = 1u << 2, kEncapL4Gre = 1u << 3,
                   kEncapL4Udp = 1u << 4, kNoCsumReset = 1u << 5, kEncapL2Eth = 1u << 6, kDecapL3Ipv4 = 1u << 7,
                   kDecapL3Ipv6 = 1u << 8, kEncapL2Mask = 0xffull << 56;
constexpr uint64_t kEncapL3 = kEncapL3Ipv4 | kEncapL3Ipv6, kDecapL3 = kDecapL3Ipv4 | kDecapL3Ipv6;
constexpr uint64_t kAdjRoomFlags =
    kFixedGso | kEncapL3 | kEncapL4Gre | kEncapL4Udp | kEncapL2Eth | kEncapL2Mask | kDecapL3 | kNoCsumReset;
constexpr uint32_t kAdjRoomNet = 0, kAdjRoomMac = 1;

uint64_t as_ret(long v) { return static_cast<uint64_t>(v); }

SkBuff* skb(uint64_t ctx) {
  SkBuff* b = SkBuff::from_ctx(ctx);
  if (!b) raise_fault(ErrorCode::ExecHelperFault, "skb helper: context is not an SkBuff");
  return b;
}

uint32_t net_base_len(uint32_t proto) { return proto == kProtoIp ? kIpv4Hlen : proto == kProtoIpv6 ? kIpv6Hlen : 0; }
bool is_vlan(uint32_t proto) { return proto == kProto8021Q || proto == kProto8021AD; }

// Bytes inserted (grow) or removed at `off`, the headers before them moving
// with the packet's front (bpf_skb_net_hdr_push / _pop).
long resize_at(SkBuff* b, uint32_t off, uint32_t n, bool grow) {
  const int64_t mac = b->mac_offset(), net = b->network_offset();
  if (long r = grow ? b->push(off, n) : b->pop(off, n)) return r;
  b->set_mac_offset(mac);
  b->set_network_offset(net);
  return 0;
}
long push_headers(SkBuff* b, uint32_t off, uint32_t n) { return resize_at(b, off, n, true); }
long pop_headers(SkBuff* b, uint32_t off, uint32_t n) { return resize_at(b, off, n, false); }

// bpf_skb_pull_data(skb, len): Decade's packets are linear, so every byte
// is already readable and writable; more than the packet is -ENOMEM.
uint64_t skb_pull_data(uint64_t ctx, uint64_t len, uint64_t, uint64_t, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(kEINVAL);
  return static_cast<uint32_t>(len) > b->ctx()->len ? as_ret(-ENOMEM) : 0;
}

// bpf_skb_change_tail(skb, len, flags): from the network header (the
// least the kernel keeps) up to the device's MTU plus header, else -EINVAL;
// an encapsulated packet (adjust_room's ENCAP flags) is -ENOTSUPP.
uint64_t skb_change_tail(uint64_t ctx, uint64_t new_len, uint64_t flags, uint64_t, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(kEINVAL);
  const uint32_t len = static_cast<uint32_t>(new_len);
  const int64_t min_len = b->network_offset() > 0 ? b->network_offset() : 0;
  if (flags || len > kDevMaxLen || len < min_len) return as_ret(kEINVAL);
  if (b->encapsulation) return as_ret(kENOTSUPP);
  return as_ret(b->resize(len));
}

// bpf_skb_change_head(skb, head_room, flags): head_room zero bytes in front;
// the MAC header starts at them, the network header stays where it was.
uint64_t skb_change_head(uint64_t ctx, uint64_t head_room, uint64_t flags, uint64_t, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(kEINVAL);
  const uint32_t room = static_cast<uint32_t>(head_room);
  const uint32_t new_len = b->ctx()->len + room;
  if (flags || new_len > kDevMaxLen || new_len < b->ctx()->len) return as_ret(kEINVAL);
  const int64_t net = b->network_offset();
  if (long r = b->push(0, room)) return as_ret(r);
  b->set_mac_offset(0);
  b->set_network_offset(net + room);
  return 0;
}

long adjust_grow(SkBuff* b, uint32_t off, uint32_t n, uint64_t flags) {
  SkBuffMd* md = b->ctx();
  const bool encap = flags & kEncapL3;
  if (encap) {
    const uint32_t inner_mac = static_cast<uint32_t>(flags >> 56);
    if ((flags & kEncapL3) == kEncapL3 || (flags & (kEncapL4Gre | kEncapL4Udp)) == (kEncapL4Gre | kEncapL4Udp))
      return kEINVAL;
    if ((flags & kEncapL2Eth) && inner_mac < kEthHlen) return kEINVAL;
    if (b->encapsulation) return -EALREADY;
    if (inner_mac > n) return kEINVAL;
  }
  if (long r = push_headers(b, off, n)) return r;
  if (encap) {
    b->encapsulation = true;
    if (md->protocol == kProtoIp && (flags & kEncapL3Ipv6)) md->protocol = kProtoIpv6;
    else if (md->protocol == kProtoIpv6 && (flags & kEncapL3Ipv4)) md->protocol = kProtoIp;
  }
  return 0;
}

long adjust_shrink(SkBuff* b, uint32_t off, uint32_t n, uint64_t flags) {
  if (flags & ~(kFixedGso | kDecapL3 | kNoCsumReset)) return kEINVAL;
  if (long r = pop_headers(b, off, n)) return r;
  SkBuffMd* md = b->ctx();
  if (md->protocol == kProtoIp && (flags & kDecapL3Ipv6)) md->protocol = kProtoIpv6;
  else if (md->protocol == kProtoIpv6 && (flags & kDecapL3Ipv4)) md->protocol = kProtoIp;
  return 0;
}

// bpf_skb_adjust_room(skb, len_diff, mode, flags): room added (zeroed) or
// removed after the MAC header (BPF_ADJ_ROOM_MAC) or after the IP header
// (BPF_ADJ_ROOM_NET), for IPv4 and IPv6 packets only. The ENCAP flags mark
// the packet encapsulated and switch skb->protocol to the outer L3; DECAP
// switches it back. GSO flags are accepted (no GSO here).
uint64_t skb_adjust_room(uint64_t ctx, uint64_t len_diff, uint64_t mode, uint64_t flags, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(kEINVAL);
  SkBuffMd* md = b->ctx();
  const int32_t diff = static_cast<int32_t>(len_diff);
  const bool shrink = diff < 0;
  const uint32_t n = shrink ? 0u - static_cast<uint32_t>(diff) : static_cast<uint32_t>(diff);
  if (flags & ~kAdjRoomFlags) return as_ret(kEINVAL);
  if (n > 0xfff) return as_ret(-EFAULT);
  if (md->protocol != kProtoIp && md->protocol != kProtoIpv6) return as_ret(kENOTSUPP);
  uint32_t off = static_cast<uint32_t>(b->network_offset() - b->mac_offset());
  if (static_cast<uint32_t>(mode) == kAdjRoomNet) off += net_base_len(md->protocol);
  else if (static_cast<uint32_t>(mode) != kAdjRoomMac) return as_ret(kENOTSUPP);
  uint32_t len_min = net_base_len(md->protocol);
  if (flags & kDecapL3) {
    if (!shrink || (flags & kDecapL3) == kDecapL3) return as_ret(kEINVAL);
    len_min = flags & kDecapL3Ipv4 ? kIpv4Hlen : kIpv6Hlen;
  }
  const int64_t len_cur = int64_t{md->len} - b->network_offset();
  if ((shrink && (n >= len_cur || len_cur - n < len_min)) || (!shrink && uint64_t{md->len} + n > kSkbMaxLen))
    return as_ret(kENOTSUPP);
  long r = shrink ? adjust_shrink(b, off, n, flags) : adjust_grow(b, off, n, flags);
  if (r == 0 && !(flags & kNoCsumReset) && b->csum == SkbCsum::Unnecessary) {
    b->csum = SkbCsum::None;
    b->csum_level = 0;
  }
  return as_ret(r);
}

// bpf_skb_change_proto(skb, proto, flags): IPv4 <-> IPv6 only. The 20
// bytes between the two headers' sizes are added (zeroed) or removed right
// after the MAC header; the program writes the new header itself. The
// flow hash is cleared.
uint64_t skb_change_proto(uint64_t ctx, uint64_t proto, uint64_t flags, uint64_t, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(kEINVAL);
  if (flags) return as_ret(kEINVAL);
  SkBuffMd* md = b->ctx();
  const uint32_t to = static_cast<uint16_t>(proto);
  const uint32_t off = static_cast<uint32_t>(b->network_offset() - b->mac_offset());
  long r;
  if (md->protocol == kProtoIp && to == kProtoIpv6) r = push_headers(b, off, kIpv6Hlen - kIpv4Hlen);
  else if (md->protocol == kProtoIpv6 && to == kProtoIp) r = pop_headers(b, off, kIpv6Hlen - kIpv4Hlen);
  else return as_ret(kENOTSUPP);
  if (r) return as_ret(r);
  md->protocol = to;
  md->hash = 0;
  return 0;
}

// skb->protocol after a VLAN tag goes: the EtherType it carried, or for
// 802.3 lengths the kernel's 802.3 / 802.2 guess.
uint32_t encap_proto(const uint8_t* tag_inner_type, const uint8_t* payload) {
  const uint32_t p = uint32_t{tag_inner_type[0]} | uint32_t{tag_inner_type[1]} << 8;
  if ((uint32_t{tag_inner_type[0]} << 8 | tag_inner_type[1]) >= 0x600) return p;
  return payload[0] == 0xff && payload[1] == 0xff ? 0x0100 : 0x0400;  // htons(ETH_P_802_3), htons(ETH_P_802_2)
}

// Removes the VLAN tag after the MAC addresses; returns its TCI or -errno.
long pop_tag(SkBuff* b) {
  SkBuffMd* md = b->ctx();
  if (md->len < kEthHlen + kVlanHlen) return -ENOMEM;
  const uint8_t* p = b->packet().data();
  const long tci = long{p[14]} << 8 | p[15];
  const uint32_t proto = encap_proto(p + 16, p + 18);
  const int64_t net = b->network_offset();
  if (long r = b->pop(2 * 6, kVlanHlen)) return r;
  b->set_mac_offset(0);
  b->set_network_offset(net - kVlanHlen < kEthHlen ? kEthHlen : net - kVlanHlen);
  md->protocol = proto;
  return tci;
}

// bpf_skb_vlan_push(skb, proto, tci): the tag goes to the packet's
// offloaded VLAN tag (__sk_buff vlan_present / vlan_tci / vlan_proto); one
// already there is first written into the packet after the MAC addresses.
// A proto other than 802.1Q or 802.1ad is taken as 802.1Q.
uint64_t skb_vlan_push(uint64_t ctx, uint64_t proto, uint64_t tci, uint64_t, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(kEINVAL);
  SkBuffMd* md = b->ctx();
  uint32_t p = static_cast<uint16_t>(proto);
  if (!is_vlan(p)) p = kProto8021Q;
  if (md->vlan_present) {
    const int64_t net = b->network_offset();
    if (long r = b->push(2 * 6, kVlanHlen)) return as_ret(r);
    b->set_mac_offset(0);
    b->set_network_offset(net + kVlanHlen);
    uint8_t* t = b->packet().data() + 12;
    t[0] = static_cast<uint8_t>(md->vlan_proto);
    t[1] = static_cast<uint8_t>(md->vlan_proto >> 8);
    t[2] = static_cast<uint8_t>(md->vlan_tci >> 8);
    t[3] = static_cast<uint8_t>(md->vlan_tci);
    md->protocol = md->vlan_proto;
  }
  md->vlan_present = 1;
  md->vlan_tci = static_cast<uint16_t>(tci);
  md->vlan_proto = p;
  return 0;
}

// bpf_skb_vlan_pop(skb): drops the offloaded tag, or else the packet's
// outer tag; a further tag in the packet becomes the offloaded one.
uint64_t skb_vlan_pop(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(kEINVAL);
  SkBuffMd* md = b->ctx();
  if (md->vlan_present) {
    md->vlan_present = md->vlan_tci = md->vlan_proto = 0;
  } else {
    if (!is_vlan(md->protocol)) return 0;
    if (long r = pop_tag(b); r < 0) return as_ret(r);
  }
  if (!is_vlan(md->protocol)) return 0;
  const uint32_t outer = md->protocol;
  const long tci = pop_tag(b);
  if (tci < 0) return as_ret(tci);
  md->vlan_present = 1;
  md->vlan_tci = static_cast<uint32_t>(tci);
  md->vlan_proto = outer;
  return 0;
}

}  // namespace

void append_skb_room_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  constexpr uint32_t kMoves = kHelperChangesPacket;
  out.push_back(make_proto("bpf_skb_pull_data", kHelperSkbPullData, skb_pull_data, R::Integer, {A::PtrToCtx, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_skb_change_tail", kHelperSkbChangeTail, skb_change_tail, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_skb_change_head", kHelperSkbChangeHead, skb_change_head, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_skb_adjust_room", kHelperSkbAdjustRoom, skb_adjust_room, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_skb_change_proto", kHelperSkbChangeProto, skb_change_proto, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_skb_vlan_push", kHelperSkbVlanPush, skb_vlan_push, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_skb_vlan_pop", kHelperSkbVlanPop, skb_vlan_pop, R::Integer, {A::PtrToCtx}, kMoves));
}

}  // namespace decade
