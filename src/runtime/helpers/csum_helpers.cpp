// SPDX-License-Identifier: Apache-2.0
// Checksum helpers: bpf_csum_diff, bpf_l3_csum_replace, bpf_l4_csum_replace,
// bpf_csum_update and bpf_csum_level, with the kernel's arguments, checks
// and return values. The arithmetic is the Internet checksum's one's
// complement sum (RFC 1071) on the words as they lie in memory, as the
// kernel computes it, so results are byte-for-byte the kernel's on a
// little-endian host. Decade's packets are CHECKSUM_NONE (or UNNECESSARY
// after bpf_csum_level): there is no skb->csum for BPF_F_PSEUDO_HDR or
// bpf_csum_update to keep in step, exactly as for such packets in the kernel.
#include <cstring>

#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

constexpr uint64_t kHdrFieldMask = 0xf, kPseudoHdr = 1u << 4, kMarkMangled0 = 1u << 5, kMarkEnforce = 1u << 6,
                   kIpv6 = 1u << 7;
constexpr uint16_t kCsumMangled0 = 0xffff;  // CSUM_MANGLED_0: a zero UDP checksum sent as all ones
constexpr long kENOTSUPP = -524;            // the kernel's internal ENOTSUPP, which helpers return
constexpr uint8_t kMaxCsumLevel = 3;        // SKB_MAX_CSUM_LEVEL

uint32_t csum_add(uint32_t a, uint32_t b) {
  a += b;
  return a + (a < b);
}
uint32_t csum_sub(uint32_t a, uint32_t b) { return csum_add(a, ~b); }
uint16_t csum_fold(uint32_t s) {
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s);
}
uint16_t csum16_add(uint16_t a, uint16_t b) {
  uint16_t r = static_cast<uint16_t>(a + b);
  return static_cast<uint16_t>(r + (r < b));
}
// The sum folded to 16 bits without the complement (csum_from32to16).
uint16_t from32to16(uint32_t s) {
  s += (s >> 16) | (s << 16);
  return static_cast<uint16_t>(s >> 16);
}

uint64_t as_ret(long v) { return static_cast<uint64_t>(v); }

SkBuff* skb(uint64_t ctx) {
  SkBuff* b = SkBuff::from_ctx(ctx);
  if (!b) raise_fault(ErrorCode::ExecHelperFault, "checksum helper: context is not an SkBuff");
  return b;
}

// csum_partial: the one's complement sum of `sum` and buf's 16-bit words as
// they lie in memory (a last odd byte is the low byte of a word).
uint32_t csum_partial(uint64_t buf, uint32_t len, uint32_t sum) {
  const auto* p = reinterpret_cast<const uint8_t*>(buf);
  uint64_t acc = sum;
  for (uint32_t i = 0; i + 1 < len; i += 2) acc += uint32_t{p[i]} | uint32_t{p[i + 1]} << 8;
  if (len & 1) acc += p[len - 1];
  while (acc >> 32) acc = (acc & 0xffffffff) + (acc >> 32);
  return static_cast<uint32_t>(acc);
}

// bpf_csum_diff(from, from_size, to, to_size, seed): seed plus the sum of
// `to` less the sum of `from`, folded to 16 bits, as kernels since 6.13
// compute it (checked against Linux 6.18): any sizes, odd ones included.
uint64_t csum_diff(uint64_t from, uint64_t from_size, uint64_t to, uint64_t to_size, uint64_t seed) {
  const uint32_t fs = static_cast<uint32_t>(from_size), ts = static_cast<uint32_t>(to_size);
  const auto sd = static_cast<uint32_t>(seed);
  if ((fs && !from) || (ts && !to)) {
    raise_fault(ErrorCode::ExecHelperFault, "bpf_csum_diff: NULL buffer with a non-zero size");
    return as_ret(kEINVAL);
  }
  if (fs && ts) return from32to16(csum_sub(csum_partial(to, ts, sd), csum_partial(from, fs, 0)));
  if (ts) return from32to16(csum_partial(to, ts, sd));
  if (fs) return from32to16(~csum_partial(from, fs, ~sd));
  return from32to16(sd);
}

// The 16-bit checksum field at `offset` of the packet: offsets above
// 0xffff or odd are -EFAULT, as is a field past the end.
long csum_field(SkBuff* b, uint64_t offset, uint16_t** field) {
  const uint32_t off = static_cast<uint32_t>(offset);
  if (off > 0xffff || (off & 1)) return -EFAULT;
  auto pkt = b->packet();
  if (uint64_t{off} + 2 > pkt.size()) return -EFAULT;
  *field = reinterpret_cast<uint16_t*>(pkt.data() + off);
  return 0;
}

uint16_t load16(const uint16_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
void store16(uint16_t* p, uint16_t v) { std::memcpy(p, &v, 2); }

// bpf_l3_csum_replace(skb, offset, from, to, size): size 2 or 4 replaces a
// field of that width (from -> to); size 0 adds the difference `to`
// (bpf_csum_diff's result) with from 0.
uint64_t l3_csum_replace(uint64_t ctx, uint64_t offset, uint64_t from, uint64_t to, uint64_t flags) {
  if (flags & ~kHdrFieldMask) return as_ret(kEINVAL);
  SkBuff* b = skb(ctx);
  uint16_t* f = nullptr;
  if (!b) return as_ret(-EFAULT);
  if (long r = csum_field(b, offset, &f)) return as_ret(r);
  const uint16_t sum = load16(f);
  switch (flags & kHdrFieldMask) {
    case 0:
      if (from) return as_ret(kEINVAL);
      store16(f, csum_fold(csum_add(static_cast<uint32_t>(to), ~uint32_t{sum})));
      return 0;
    case 2:
      store16(f, static_cast<uint16_t>(~csum16_add(csum16_add(static_cast<uint16_t>(~sum), static_cast<uint16_t>(~from)),
                                                    static_cast<uint16_t>(to))));
      return 0;
    case 4:
      store16(f, csum_fold(csum_add(csum_sub(~uint32_t{sum}, static_cast<uint32_t>(from)), static_cast<uint32_t>(to))));
      return 0;
    default: return as_ret(kEINVAL);
  }
}

// bpf_l4_csum_replace(skb, offset, from, to, flags): the low four bits of
// flags are the field size (0, 2, 4 as for l3; a 2-byte field is summed as
// a zero-extended word, as the kernel's inet_proto_csum_replace2 does).
// BPF_F_MARK_MANGLED_0 leaves a zero checksum (UDP: none) alone unless
// BPF_F_MARK_ENFORCE, and writes a result of zero as CSUM_MANGLED_0.
// BPF_F_PSEUDO_HDR and BPF_F_IPV6 only matter to skb->csum (none here).
uint64_t l4_csum_replace(uint64_t ctx, uint64_t offset, uint64_t from, uint64_t to, uint64_t flags) {
  if (flags & ~(kHdrFieldMask | kPseudoHdr | kMarkMangled0 | kMarkEnforce | kIpv6)) return as_ret(kEINVAL);
  SkBuff* b = skb(ctx);
  uint16_t* f = nullptr;
  if (!b) return as_ret(-EFAULT);
  if (long r = csum_field(b, offset, &f)) return as_ret(r);
  const bool mangled0 = flags & kMarkMangled0;
  const uint16_t sum = load16(f);
  if (mangled0 && !(flags & kMarkEnforce) && sum == 0) return 0;
  switch (flags & kHdrFieldMask) {
    case 0:
      if (from) return as_ret(kEINVAL);
      store16(f, csum_fold(csum_add(static_cast<uint32_t>(to), ~uint32_t{sum})));
      break;
    case 2:
      store16(f, csum_fold(csum_add(csum_sub(~uint32_t{sum}, static_cast<uint16_t>(from)), static_cast<uint16_t>(to))));
      break;
    case 4:
      store16(f, csum_fold(csum_add(csum_sub(~uint32_t{sum}, static_cast<uint32_t>(from)), static_cast<uint32_t>(to))));
      break;
    default: return as_ret(kEINVAL);
  }
  if (mangled0 && load16(f) == 0) store16(f, kCsumMangled0);
  return 0;
}

// bpf_csum_update(skb, csum): only CHECKSUM_COMPLETE packets carry a
// skb->csum to add to; every other packet (all of Decade's) is -ENOTSUPP.
uint64_t csum_update(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
  return skb(ctx) ? as_ret(kENOTSUPP) : as_ret(kEINVAL);
}

// bpf_csum_level(skb, level): INC marks a CHECKSUM_NONE packet
// UNNECESSARY (level 0) or raises the level up to 3; DEC lowers it, back
// to NONE from level 0; RESET returns to NONE; QUERY gives the level, or
// -EACCES when the packet is not UNNECESSARY.
uint64_t csum_level(uint64_t ctx, uint64_t level, uint64_t, uint64_t, uint64_t) {
  SkBuff* b = skb(ctx);
  if (!b) return as_ret(kEINVAL);
  const bool unnecessary = b->csum == SkbCsum::Unnecessary;
  switch (level) {
    case 0: return unnecessary ? b->csum_level : as_ret(-EACCES);
    case 1:
      if (!unnecessary) b->csum_level = 0;
      else if (b->csum_level < kMaxCsumLevel) ++b->csum_level;
      b->csum = SkbCsum::Unnecessary;
      return 0;
    case 2:
      if (unnecessary && b->csum_level == 0) b->csum = SkbCsum::None;
      else if (unnecessary) --b->csum_level;
      return 0;
    case 3:
      b->csum = SkbCsum::None;
      b->csum_level = 0;
      return 0;
    default: return as_ret(kEINVAL);
  }
}

}  // namespace

void append_csum_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  constexpr uint32_t kMoves = kHelperChangesPacket;
  out.push_back(make_proto("bpf_csum_diff", kHelperCsumDiff, csum_diff, R::Integer,
                           {A::PtrToMem, A::ConstSizeOrZero, A::PtrToMem, A::ConstSizeOrZero, A::Scalar}, kHelperNullable));
  out.push_back(make_proto("bpf_l3_csum_replace", kHelperL3CsumReplace, l3_csum_replace, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar, A::Scalar, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_l4_csum_replace", kHelperL4CsumReplace, l4_csum_replace, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar, A::Scalar, A::Scalar}, kMoves));
  out.push_back(make_proto("bpf_csum_update", kHelperCsumUpdate, csum_update, R::Integer, {A::PtrToCtx, A::Scalar}));
  out.push_back(make_proto("bpf_csum_level", kHelperCsumLevel, csum_level, R::Integer, {A::PtrToCtx, A::Scalar}));
}

}  // namespace decade
