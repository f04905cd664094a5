// SPDX-License-Identifier: Apache-2.0
// fib_lookup: the steps of the kernel's IPv4 and IPv6 FIB lookups for BPF,
// in the kernel's order (each step may end the lookup with its code):
//   IPv6 only: a link-local, loopback or multicast address is NOT_FWDED;
//   the input interface must exist (-ENODEV) and forward (FWD_DISABLED);
//   the longest matching prefix (then the lowest metric) of the local, main
//   and default tables, or of one table with BPF_FIB_LOOKUP_DIRECT (main,
//   or params->tbid with BPF_FIB_LOOKUP_TBID); BPF_FIB_LOOKUP_OUTPUT keeps
//   unicast routes leaving through params->ifindex; no route is NOT_FWDED,
//   blackhole / unreachable / prohibit routes their codes, local NOT_FWDED;
//   the MTU check (FRAG_NEEDED with mtu_result);
//   then rt_metric, ifindex, the source address (BPF_FIB_LOOKUP_SRC), the
//   gateway into the destination, the neighbour's MAC (NO_NEIGH unless
//   BPF_FIB_LOOKUP_SKIP_NEIGH) and the interface's MAC.
// Policy rules do not exist in a FibTable: BPF_FIB_LOOKUP_MARK is accepted
// and changes nothing, as with the kernel's default rules.
#include <cerrno>
#include <cstring>
#include <mutex>

#include "runtime/fib.hpp"

namespace decade {
namespace {

// Offsets in struct bpf_fib_lookup.
constexpr size_t kFamily = 0, kTotLen = 6, kIfindex = 8, kMetric = 12, kSrc = 16, kDst = 32, kVlan = 48, kSmac = 52,
                 kDmac = 58;
constexpr uint8_t kAfInet = 2, kAfInet6 = 10;
constexpr uint32_t kTableLocal = 255, kTableMain = 254, kTableDefault = 253;

template <typename T>
T get(const uint8_t* p, size_t off) {
  T v;
  std::memcpy(&v, p + off, sizeof v);
  return v;
}
template <typename T>
void put(uint8_t* p, size_t off, T v) {
  std::memcpy(p + off, &v, sizeof v);
}

struct Query {
  uint8_t family;          // 4 or 6
  size_t len;              // address bytes
  const uint8_t* dst;
  uint32_t ifindex;
  uint64_t flags;
};

bool prefix_matches(const FibTable::Route& r, const Query& q) {
  if (r.prefix.family != q.family) return false;
  const uint8_t full = r.prefix_len / 8, rest = r.prefix_len % 8;
  if (std::memcmp(r.prefix.bytes.data(), q.dst, full) != 0) return false;
  if (!rest) return true;
  const auto mask = static_cast<uint8_t>(0xff00 >> rest);
  return (r.prefix.bytes[full] & mask) == (q.dst[full] & mask);
}

bool in_table(uint32_t table, const Query& q, uint32_t tbid) {
  if (q.flags & kFibLookupDirect) return table == tbid;
  return table == kTableLocal || table == kTableMain || table == kTableDefault;
}

// The route the kernel's lookup would choose; nullptr when none matches.
// Tables are searched local, main, default (the default rules' order).
const FibTable::Route* choose(const FibTable::State& t, const Query& q, uint32_t tbid) {
  const FibTable::Route* best = nullptr;
  auto rank = [](uint32_t table) { return table == kTableLocal ? 0 : table == kTableMain ? 1 : 2; };
  for (const FibTable::Route& r : t.routes) {
    if (!in_table(r.table, q, tbid) || !prefix_matches(r, q)) continue;
    if ((q.flags & kFibLookupOutput) && r.type == FibTable::RouteType::Unicast && r.oif != q.ifindex) continue;
    if (best) {
      if (!(q.flags & kFibLookupDirect) && rank(r.table) != rank(best->table)) {
        if (rank(r.table) > rank(best->table)) continue;
      } else if (r.prefix_len < best->prefix_len || (r.prefix_len == best->prefix_len && r.metric >= best->metric)) {
        continue;
      }
    }
    best = &r;
  }
  return best;
}

const FibTable::Interface* interface(const FibTable::State& t, uint32_t ifindex) {
  for (const FibTable::Interface& i : t.interfaces)
    if (i.ifindex == ifindex) return &i;
  return nullptr;
}

const FibTable::Neighbour* neighbour(const FibTable::State& t, uint8_t family, const uint8_t* addr, size_t len,
                                     uint32_t ifindex) {
  for (const FibTable::Neighbour& n : t.neighbours)
    if (n.ifindex == ifindex && n.addr.family == family && std::memcmp(n.addr.bytes.data(), addr, len) == 0) return &n;
  return nullptr;
}

// rt6_need_strict: link-local (fe80::/10), loopback (::1) or multicast (ff00::/8).
bool ipv6_strict(const uint8_t* a) {
  static constexpr uint8_t kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || std::memcmp(a, kLoopback, 16) == 0;
}

long route_code(FibTable::RouteType type) {
  switch (type) {
    case FibTable::RouteType::Unicast: return kFibSuccess;
    case FibTable::RouteType::Blackhole: return kFibBlackhole;
    case FibTable::RouteType::Unreachable: return kFibUnreachable;
    case FibTable::RouteType::Prohibit: return kFibProhibit;
    case FibTable::RouteType::Local: return kFibNotFwded;
  }
  return kFibNotFwded;
}

// Source address for BPF_FIB_LOOKUP_SRC: the route's preferred source, else
// the output interface's address. IPv4 reports 0 when there is none (the
// kernel's inet_select_addr); IPv6 fails with NO_SRC_ADDR.
long pick_source(const FibTable::Route& r, const FibTable::Interface& out, const Query& q, uint8_t* params) {
  const std::optional<IpAddr>& own = q.family == 4 ? out.ipv4 : out.ipv6;
  const std::optional<IpAddr>& src = r.prefsrc ? r.prefsrc : own;
  if (!src && q.family == 6) return kFibNoSrcAddr;
  std::memset(params + kSrc, 0, q.len);
  if (src) std::memcpy(params + kSrc, src->bytes.data(), q.len);
  return kFibSuccess;
}

long lookup_locked(const FibTable::State& t, uint8_t* params, const Query& q, FibCaller caller) {
  if (q.family == 6 && (ipv6_strict(params + kDst) || ipv6_strict(params + kSrc))) return kFibNotFwded;
  const FibTable::Interface* in = interface(t, q.ifindex);
  if (!in) return -ENODEV;
  if (!in->forwarding) return kFibFwdDisabled;
  uint32_t tbid = kTableMain;
  if ((q.flags & kFibLookupDirect) && (q.flags & kFibLookupTbid)) {
    tbid = get<uint32_t>(params, kVlan);
    put<uint32_t>(params, kVlan, 0);
  }
  const FibTable::Route* r = choose(t, q, tbid);
  if (!r) return kFibNotFwded;
  if (long code = route_code(r->type)) return code;
  const FibTable::Interface* out = interface(t, r->oif);
  if (!out) return kFibNotFwded;  // add_route refuses this; an interface may be replaced meanwhile
  const bool check_mtu = caller.xdp || get<uint16_t>(params, kTotLen) != 0;
  const uint32_t mtu = check_mtu ? (r->mtu ? r->mtu : out->mtu) : 0;
  if (check_mtu && get<uint16_t>(params, kTotLen) > mtu) {
    put<uint16_t>(params, kTotLen, static_cast<uint16_t>(mtu));
    return kFibFragNeeded;
  }
  put<uint32_t>(params, kMetric, r->metric);
  put<uint32_t>(params, kIfindex, r->oif);
  if (q.flags & kFibLookupSrc)
    if (long code = pick_source(*r, *out, q, params)) return code;
  if (r->gateway) std::memcpy(params + kDst, r->gateway->bytes.data(), q.len);
  if (!(q.flags & kFibLookupSkipNeigh)) {
    const FibTable::Neighbour* n = neighbour(t, q.family, params + kDst, q.len, r->oif);
    if (!n) return kFibNoNeigh;
    std::memcpy(params + kDmac, n->mac.data(), 6);
    std::memcpy(params + kSmac, out->mac.data(), 6);
  }
  put<uint32_t>(params, kVlan, 0);  // h_vlan_proto, h_vlan_TCI
  if (mtu) put<uint16_t>(params, kTotLen, static_cast<uint16_t>(mtu));
  // tc without tot_len: the packet must fit the output interface
  // (is_skb_forwardable: MTU + Ethernet header + one VLAN tag).
  if (!check_mtu) {
    put<uint16_t>(params, kTotLen, static_cast<uint16_t>(out->mtu));
    if (uint64_t{caller.skb_len} > uint64_t{out->mtu} + 14 + 4) return kFibFragNeeded;
  }
  return kFibSuccess;
}

}  // namespace

long fib_lookup(const FibTable::State* table, uint8_t* params, uint64_t plen, uint64_t flags, FibCaller caller) {
  if (plen < kFibParamsSize) return -EINVAL;
  if (flags & ~(kFibLookupDirect | kFibLookupOutput | kFibLookupSkipNeigh | kFibLookupTbid | kFibLookupSrc |
                kFibLookupMark))
    return -EINVAL;
  const uint8_t family = params[kFamily];
  if (family != kAfInet && family != kAfInet6) return -EAFNOSUPPORT;
  const Query q{static_cast<uint8_t>(family == kAfInet ? 4 : 6), family == kAfInet ? 4u : 16u, params + kDst,
                get<uint32_t>(params, kIfindex), flags};
  if (!table) {
    if (q.family == 6 && (ipv6_strict(params + kDst) || ipv6_strict(params + kSrc))) return kFibNotFwded;
    return -ENODEV;
  }
  std::shared_lock lock(table->mu);
  return lookup_locked(*table, params, q, caller);
}

}  // namespace decade
