// SPDX-License-Identifier: Apache-2.0
// Metadata a tc program reads or attaches to its packet: tunnel metadata
// (bpf_skb_set/get_tunnel_key, bpf_skb_set/get_tunnel_opt), the flow hash
// (bpf_get_hash_recalc, bpf_set_hash, bpf_set_hash_invalid) and the ECN
// mark (bpf_skb_ecn_set_ce). The kernel keeps tunnel metadata in a
// metadata dst for a collect-metadata tunnel device; Decade keeps it with
// the packet (SkBuff::tunnel) and a test run reports it to the host.
#include <cstring>

#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

// struct bpf_tunnel_key (uapi) and the older layouts the kernel accepts:
// up to tunnel_ext, tunnel_label and local_ipv4, and an IPv4-only one
// ending after remote_ipv4.
struct TunnelKeyAbi {
  uint32_t tunnel_id;
  uint32_t remote[4];
  uint8_t tos, ttl;
  uint16_t ext_or_flags;
  uint32_t label;
  uint32_t local[4];
};
static_assert(sizeof(TunnelKeyAbi) == 44);
constexpr uint64_t kSizeFull = 44, kSizeToLocal = 28, kSizeToLabel = 24, kSizeToExt = 22, kSizeIpv4Only = 8;

constexpr uint64_t kTuninfoIpv6 = 1u << 0, kZeroCsumTx = 1u << 1, kDontFragment = 1u << 2, kSeqNumber = 1u << 3,
                   kNoTunnelKey = 1u << 4, kTuninfoFlags = 1u << 4;
constexpr uint32_t kFlowLabelMask = 0x000fffff;
constexpr uint32_t kTunnelOptsMax = 252;  // IP_TUNNEL_OPTS_MAX: 255 rounded down to whole words
// GRE flag bits the kernel reports for BPF_F_TUNINFO_FLAGS (network order).
constexpr uint16_t kGreCsum = 0x8000, kGreKey = 0x2000, kGreSeq = 0x1000;

uint64_t as_ret(long v) { return static_cast<uint64_t>(v); }

SkBuff* skb(uint64_t ctx) {
  SkBuff* b = SkBuff::from_ctx(ctx);
  if (!b) raise_fault(ErrorCode::ExecHelperFault, "skb helper: context is not an SkBuff");
  return b;
}

bool old_key_size(uint64_t size) {
  return size == kSizeToLocal || size == kSizeToLabel || size == kSizeToExt || size == kSizeIpv4Only;
}

// bpf_skb_set_tunnel_key(skb, key, size, flags): replaces the packet's
// tunnel metadata (options included). An IPv4 key with a flow label, or
// any key with tunnel_ext, is -EINVAL.
uint64_t set_tunnel_key(uint64_t ctx, uint64_t key, uint64_t size, uint64_t flags, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(kEINVAL);
  if (flags & ~(kTuninfoIpv6 | kZeroCsumTx | kDontFragment | kSeqNumber | kNoTunnelKey)) return as_ret(kEINVAL);
  TunnelKeyAbi k{};
  if (size != kSizeFull && !old_key_size(size)) return as_ret(kEINVAL);
  std::memcpy(&k, reinterpret_cast<const void*>(key), size);
  const bool ipv6 = flags & kTuninfoIpv6;
  if ((!ipv6 && k.label) || k.ext_or_flags) return as_ret(kEINVAL);
  TunnelKey t;
  t.ipv6 = ipv6;
  t.id = k.tunnel_id;
  t.tos = k.tos;
  t.ttl = k.ttl;
  t.flags = flags & ~kTuninfoIpv6;
  if (ipv6) {
    std::memcpy(t.remote.data(), k.remote, 16);
    std::memcpy(t.local.data(), k.local, 16);
    t.label = k.label & kFlowLabelMask;
  } else {
    t.remote[0] = k.remote[0];
    t.local[0] = k.local[0];
  }
  b->tunnel = std::move(t);
  return 0;
}

// The metadata bpf_skb_get_tunnel_key / _opt read: what the program set
// (tx), else what the packet arrived with.
const TunnelKey* read_tunnel(const SkBuff* b, bool* tx) {
  *tx = b && b->tunnel;
  if (*tx) return &*b->tunnel;
  return b && b->rx_tunnel ? &*b->rx_tunnel : nullptr;
}

// bpf_skb_get_tunnel_key(skb, key, size, flags): the packet's tunnel
// metadata as the kernel reads an skb's: received metadata as the host gave
// it; for a key this program set, its remote is the metadata's source, the
// local address the program gave (and the other way round). No metadata,
// or flags beyond BPF_F_TUNINFO_IPV6 | BPF_F_TUNINFO_FLAGS, is -EINVAL; the
// other address family -EPROTO. On error the key is zeroed.
uint64_t get_tunnel_key(uint64_t ctx, uint64_t key, uint64_t size, uint64_t flags, uint64_t) {
  auto* out = reinterpret_cast<uint8_t*>(key);
  bool tx = false;
  const TunnelKey* t = read_tunnel(skb(ctx), &tx);
  long err = 0;
  if (!t || (flags & ~(kTuninfoIpv6 | kTuninfoFlags))) err = kEINVAL;
  else if (t->ipv6 != bool(flags & kTuninfoIpv6)) err = -EPROTO;
  else if (size != kSizeFull && !old_key_size(size)) err = kEINVAL;
  else if (size == kSizeIpv4Only && t->ipv6) err = kEINVAL;
  if (err) {
    std::memset(out, 0, size);
    return as_ret(err);
  }
  const TunnelKey& m = *t;
  TunnelKeyAbi k{};
  k.tunnel_id = static_cast<uint32_t>(m.id);
  k.tos = m.tos;
  k.ttl = m.ttl;
  if (flags & kTuninfoFlags) {
    uint16_t f = (m.flags & kZeroCsumTx ? 0 : kGreCsum) | (m.flags & kNoTunnelKey ? 0 : kGreKey) |
                 (m.flags & kSeqNumber ? kGreSeq : 0);
    k.ext_or_flags = static_cast<uint16_t>(f >> 8 | f << 8);
  }
  const auto& remote = tx ? m.local : m.remote;
  const auto& local = tx ? m.remote : m.local;
  if (m.ipv6) {
    std::memcpy(k.remote, remote.data(), 16);
    std::memcpy(k.local, local.data(), 16);
    k.label = m.label;
  } else {
    k.remote[0] = remote[0];
    k.local[0] = local[0];
  }
  std::memcpy(out, &k, size);
  return 0;
}

// bpf_skb_set_tunnel_opt(skb, opt, size): needs metadata this program set
// (bpf_skb_set_tunnel_key) and a whole number of words, else -EINVAL; more
// than 252 bytes is -ENOMEM.
uint64_t set_tunnel_opt(uint64_t ctx, uint64_t opt, uint64_t size, uint64_t, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b || !b->tunnel || (size & 3)) return as_ret(kEINVAL);
  if (size > kTunnelOptsMax) return as_ret(-ENOMEM);
  const auto* p = reinterpret_cast<const uint8_t*>(opt);
  b->tunnel->options.assign(p, p + size);
  return 0;
}

// bpf_skb_get_tunnel_opt(skb, opt, size): the options' length, the rest of
// opt zeroed; -ENOENT without options, -ENOMEM when opt is too small (opt
// zeroed on error).
uint64_t get_tunnel_opt(uint64_t ctx, uint64_t opt, uint64_t size, uint64_t, uint64_t) {
  auto* out = reinterpret_cast<uint8_t*>(opt);
  bool tx = false;
  const TunnelKey* t = read_tunnel(skb(ctx), &tx);
  long err = !t || t->options.empty() ? -ENOENT : size < t->options.size() ? -ENOMEM : 0;
  std::memset(out, 0, size);
  if (err) return as_ret(err);
  const auto& o = t->options;
  std::memcpy(out, o.data(), o.size());
  return o.size();
}

// The flow a packet belongs to, for its hash: addresses, protocol and ports
// (what the kernel's flow dissector keys on).
struct FlowKeys {
  uint8_t addrs[32] = {};
  uint32_t ports = 0;
  uint8_t proto = 0;
};

FlowKeys dissect(const SkBuff& b) {
  FlowKeys k;
  auto pkt = b.packet();
  const int64_t net = b.network_offset();
  const uint32_t proto = b.ctx()->protocol;
  if (net < 0) return k;
  const auto n = static_cast<size_t>(net);
  size_t l4 = 0;
  if (proto == 0x0008 && pkt.size() >= n + 20) {
    std::memcpy(k.addrs, pkt.data() + n + 12, 8);
    k.proto = pkt[n + 9];
    l4 = n + size_t{pkt[n] & 0xfu} * 4;
  } else if (proto == 0xdd86 && pkt.size() >= n + 40) {
    std::memcpy(k.addrs, pkt.data() + n + 8, 32);
    k.proto = pkt[n + 6];
    l4 = n + 40;
  }
  const bool ports = k.proto == 6 || k.proto == 17 || k.proto == 132 || k.proto == 136;
  if (l4 && ports && pkt.size() >= l4 + 4) std::memcpy(&k.ports, pkt.data() + l4, 4);
  return k;
}

// bpf_get_hash_recalc(skb): the packet's flow hash, computed when it has
// none (0). The kernel's is a jhash keyed by a random per-boot seed, so no
// program can depend on its value; Decade's is FNV-1a over the flow keys,
// the same for the same flow in every run, never 0.
uint64_t get_hash_recalc(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b) return 0;
  SkBuffMd* md = b->ctx();
  if (md->hash) return md->hash;
  const FlowKeys k = dissect(*b);
  uint32_t h = 2166136261u;
  auto mix = [&h](const void* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const uint8_t*>(p)[i]) * 16777619u;
  };
  mix(k.addrs, sizeof k.addrs);
  mix(&k.ports, sizeof k.ports);
  mix(&k.proto, 1);
  md->hash = h ? h : 1;
  return md->hash;
}

uint64_t set_hash(uint64_t ctx, uint64_t hash, uint64_t, uint64_t, uint64_t) {
  SkBuff* b = skb(ctx);
  if (b) b->ctx()->hash = static_cast<uint32_t>(hash);
  return 0;
}

uint64_t set_hash_invalid(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
  SkBuff* b = skb(ctx);
  if (b) b->ctx()->hash = 0;
  return 0;
}

uint16_t csum16_add(uint16_t a, uint16_t b) {
  uint16_t r = static_cast<uint16_t>(a + b);
  return static_cast<uint16_t>(r + (r < b));
}

// bpf_skb_ecn_set_ce(skb): marks an ECN-capable IPv4 or IPv6 packet
// Congestion Experienced (the IPv4 header checksum updated); 1 when the
// packet is (now) CE, 0 when it is not ECN-capable, not IP, or its IP
// header is not all there.
uint64_t skb_ecn_set_ce(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b) return 0;
  auto pkt = b->packet();
  const int64_t net = b->network_offset();
  const uint32_t proto = b->ctx()->protocol;
  const size_t hlen = proto == 0x0008 ? 20 : proto == 0xdd86 ? 40 : 0;
  if (!hlen || net < 0 || pkt.size() < static_cast<size_t>(net) + hlen) return 0;
  uint8_t* ip = pkt.data() + net;
  if (proto == 0x0008) {
    const uint32_t ecn = (ip[1] + 1u) & 3u;
    if (!(ecn & 2)) return ecn == 0;
    uint16_t check;
    std::memcpy(&check, ip + 10, 2);
    // htons(0xFFFB) + htons(ecn) on this little-endian host.
    const uint16_t add = static_cast<uint16_t>(0xfbffu + (ecn << 8));
    check = csum16_add(check, add);
    std::memcpy(ip + 10, &check, 2);
    ip[1] |= 3;
    return 1;
  }
  // IPv6: traffic class bits 4..11 of the first word; ECN is its low two.
  if (((ip[1] >> 4) & 3) == 0) return 0;
  ip[1] |= 3 << 4;
  return 1;
}

}  // namespace

void append_skb_meta_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  out.push_back(make_proto("bpf_skb_get_tunnel_key", kHelperSkbGetTunnelKey, get_tunnel_key, R::Integer,
                           {A::PtrToCtx, A::PtrToUninitMem, A::ConstSize, A::Scalar}));
  out.push_back(make_proto("bpf_skb_set_tunnel_key", kHelperSkbSetTunnelKey, set_tunnel_key, R::Integer,
                           {A::PtrToCtx, A::PtrToMem, A::ConstSize, A::Scalar}));
  out.push_back(make_proto("bpf_skb_get_tunnel_opt", kHelperSkbGetTunnelOpt, get_tunnel_opt, R::Integer,
                           {A::PtrToCtx, A::PtrToUninitMem, A::ConstSize}));
  out.push_back(make_proto("bpf_skb_set_tunnel_opt", kHelperSkbSetTunnelOpt, set_tunnel_opt, R::Integer,
                           {A::PtrToCtx, A::PtrToMem, A::ConstSize}));
  out.push_back(make_proto("bpf_get_hash_recalc", kHelperGetHashRecalc, get_hash_recalc, R::Integer, {A::PtrToCtx}));
  out.push_back(make_proto("bpf_set_hash", kHelperSetHash, set_hash, R::Integer, {A::PtrToCtx, A::Scalar}));
  out.push_back(make_proto("bpf_set_hash_invalid", kHelperSetHashInvalid, set_hash_invalid, R::Void, {A::PtrToCtx}));
  out.push_back(make_proto("bpf_skb_ecn_set_ce", kHelperSkbEcnSetCe, skb_ecn_set_ce, R::Integer, {A::PtrToCtx}));
}

}  // namespace decade
