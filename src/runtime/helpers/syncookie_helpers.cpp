// SPDX-License-Identifier: Apache-2.0
// bpf_tcp_raw_gen_syncookie_ipv4/6 and bpf_tcp_raw_check_syncookie_ipv4/6
// (xdp and tc, as in the kernel): SYN cookies computed from the packet's
// headers alone, so a program can answer a SYN flood itself (a SYN proxy).
// syncookie.hpp has the construction and what the secret is.
//
// The verifier has proven the IP header readable for its fixed size
// (20 bytes for IPv4, 40 for IPv6: ArgKind::PtrToFixedMem) and, for the
// generators, the TCP header for th_len bytes; the checks read the fixed
// 20-byte TCP header. Header fields are read as they lie in memory.
#include "runtime/helpers/syncookie.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "runtime/helpers/helpers.hpp"

namespace decade {
namespace syncookie {
namespace {

constexpr unsigned kCountShift = 24;                    // the count lives in a cookie's top 8 bits
constexpr uint32_t kHashMask = (1u << kCountShift) - 1;
constexpr uint32_t kMaxAge = 2;                          // counts a cookie stays valid for
constexpr std::array<uint16_t, 4> kMss4 = {536, 1300, 1440, 1460};
constexpr std::array<uint16_t, 4> kMss6 = {1220, 1420, 1440, 8940};

uint64_t rotl(uint64_t x, unsigned b) { return (x << b) | (x >> (64 - b)); }

struct Sip {
  uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
  void absorb(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

uint64_t load_le64(const uint8_t* p, size_t n) {
  uint64_t m = 0;
  for (size_t i = 0; i < n; ++i) m |= uint64_t{p[i]} << (8 * i);
  return m;
}

// Two keys per family (H0 and H1), drawn once from the kernel's random
// source; a failing getrandom (no entropy source at all) falls back to
// the clock and the keys' addresses, which still differ per process.
struct Secrets {
  uint64_t key[2][2][2];  // [ipv6][which hash][word]
  Secrets() {
    uint8_t* p = reinterpret_cast<uint8_t*>(key);
    size_t got = 0;
    while (got < sizeof key) {
      const ssize_t n = getrandom(p + got, sizeof key - got, 0);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (got < sizeof key) {
      timespec ts{};
      clock_gettime(CLOCK_REALTIME, &ts);
      uint64_t seed = static_cast<uint64_t>(ts.tv_nsec) ^ (static_cast<uint64_t>(ts.tv_sec) << 20) ^
                      reinterpret_cast<uintptr_t>(this);
      for (auto& fam : key)
        for (auto& k : fam)
          for (uint64_t& w : k) w = seed = siphash24(seed, ~seed, std::span<const uint8_t>(p, got));
    }
  }
};

const Secrets& secrets() {
  static const Secrets s;
  return s;
}

uint32_t flow_hash(const Flow& f, uint32_t count, int which) {
  uint8_t buf[16 + 16 + 4 + 4];
  size_t n = 0;
  const size_t alen = f.ipv6 ? 16 : 4;
  std::memcpy(buf + n, f.saddr, alen), n += alen;
  std::memcpy(buf + n, f.daddr, alen), n += alen;
  const uint32_t ports = uint32_t{f.sport} << 16 | f.dport;
  std::memcpy(buf + n, &ports, 4), n += 4;
  std::memcpy(buf + n, &count, 4), n += 4;
  const auto& k = secrets().key[f.ipv6][which];
  return static_cast<uint32_t>(siphash24(k[0], k[1], std::span<const uint8_t>(buf, n)));
}

}  // namespace

uint64_t siphash24(uint64_t k0, uint64_t k1, std::span<const uint8_t> data) {
  Sip s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
  const size_t whole = data.size() / 8 * 8;
  for (size_t i = 0; i < whole; i += 8) s.absorb(load_le64(data.data() + i, 8));
  s.absorb(load_le64(data.data() + whole, data.size() - whole) | uint64_t{data.size() & 0xff} << 56);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

std::span<const uint16_t> mss_table(bool ipv6) { return ipv6 ? std::span<const uint16_t>(kMss6) : kMss4; }

uint32_t current_count() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint32_t>(ts.tv_sec / 60);
}

uint32_t make(const Flow& f, uint32_t seq, uint16_t mss, uint32_t count, uint16_t* mss_out) {
  const auto table = mss_table(f.ipv6);
  uint32_t index = static_cast<uint32_t>(table.size()) - 1;
  while (index > 0 && mss < table[index]) --index;
  *mss_out = table[index];
  return flow_hash(f, 0, 0) + seq + (count << kCountShift) + ((flow_hash(f, count, 1) + index) & kHashMask);
}

uint16_t check(const Flow& f, uint32_t cookie, uint32_t seq, uint32_t count) {
  const uint32_t rest = cookie - flow_hash(f, 0, 0) - seq;
  const uint32_t age = (count - (rest >> kCountShift)) & (~0u >> kCountShift);
  if (age >= kMaxAge) return 0;
  const uint32_t index = (rest - flow_hash(f, count - age, 1)) & kHashMask;
  const auto table = mss_table(f.ipv6);
  return index < table.size() ? table[index] : 0;
}

}  // namespace syncookie

namespace {

constexpr size_t kIpv4Header = 20, kIpv6Header = 40, kTcpHeader = 20;
constexpr uint8_t kTcpOptEnd = 0, kTcpOptNop = 1, kTcpOptMss = 2, kTcpOptMssLen = 4;
constexpr uint16_t kTcpMssDefault = 536;  // RFC 9293's default send MSS for IPv4
// IPv6's minimum MTU less the IPv6 and TCP headers: the generator's MSS
// when the SYN names none.
constexpr uint16_t kTcpMssDefault6 = 1280 - kIpv6Header - kTcpHeader;

uint32_t be32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }
uint64_t as_ret(long v) { return static_cast<uint64_t>(v); }

syncookie::Flow flow_of(uint64_t iph, uint64_t th, bool ipv6) {
  const auto* ip = reinterpret_cast<const uint8_t*>(iph);
  const auto* t = reinterpret_cast<const uint8_t*>(th);
  syncookie::Flow f;
  f.ipv6 = ipv6;
  const size_t src = ipv6 ? 8 : 12, len = ipv6 ? 16 : 4;
  std::memcpy(f.saddr, ip + src, len);
  std::memcpy(f.daddr, ip + src + len, len);
  std::memcpy(&f.sport, t, 2);
  std::memcpy(&f.dport, t + 2, 2);
  return f;
}

// The SYN's MSS option (0 when it has none), scanning the options as a
// TCP receiver does: end of list, no-op, or kind-length-value; a
// malformed or cut-short option ends the scan.
uint16_t syn_mss(const uint8_t* t, size_t len) {
  uint16_t mss = 0;
  size_t i = kTcpHeader;
  while (i < len) {
    const uint8_t kind = t[i];
    if (kind == kTcpOptEnd) break;
    if (kind == kTcpOptNop) {
      ++i;
      continue;
    }
    if (len - i < 2) break;
    const uint8_t size = t[i + 1];
    if (size < 2 || size > len - i) break;
    if (kind == kTcpOptMss && size == kTcpOptMssLen) {
      const uint16_t v = static_cast<uint16_t>(t[i + 2] << 8 | t[i + 3]);
      if (v) mss = v;
    }
    i += size;
  }
  return mss;
}

uint64_t gen(uint64_t iph, uint64_t th, uint64_t th_len, bool ipv6) {
  const auto* t = reinterpret_cast<const uint8_t*>(th);
  const auto len = static_cast<uint32_t>(th_len);
  if (len < kTcpHeader || len != (t[12] >> 4) * 4u) return as_ret(-EINVAL);
  uint16_t mss = syn_mss(t, len);
  if (!mss) mss = ipv6 ? kTcpMssDefault6 : kTcpMssDefault;
  const uint32_t cookie = syncookie::make(flow_of(iph, th, ipv6), be32(t + 4), mss, syncookie::current_count(), &mss);
  return cookie | uint64_t{mss} << 32;
}

// The ACK that completes the handshake acknowledges cookie + 1 and carries
// the SYN's sequence number + 1.
uint64_t check(uint64_t iph, uint64_t th, bool ipv6) {
  const auto* t = reinterpret_cast<const uint8_t*>(th);
  const uint16_t mss =
      syncookie::check(flow_of(iph, th, ipv6), be32(t + 8) - 1, be32(t + 4) - 1, syncookie::current_count());
  return mss ? 0 : as_ret(-EACCES);
}

uint64_t gen4(uint64_t iph, uint64_t th, uint64_t th_len, uint64_t, uint64_t) { return gen(iph, th, th_len, false); }
uint64_t gen6(uint64_t iph, uint64_t th, uint64_t th_len, uint64_t, uint64_t) { return gen(iph, th, th_len, true); }
uint64_t check4(uint64_t iph, uint64_t th, uint64_t, uint64_t, uint64_t) { return check(iph, th, false); }
uint64_t check6(uint64_t iph, uint64_t th, uint64_t, uint64_t, uint64_t) { return check(iph, th, true); }

FuncProto proto(const char* name, uint32_t id, HelperFn fn, bool ipv6, bool generate) {
  using A = ArgKind;
  FuncProto p = generate ? make_proto(name, id, fn, RetKind::Integer, {A::PtrToFixedMem, A::PtrToMem, A::ConstSizeOrZero})
                         : make_proto(name, id, fn, RetKind::Integer, {A::PtrToFixedMem, A::PtrToFixedMem});
  p.arg_fixed_size[0] = static_cast<uint32_t>(ipv6 ? kIpv6Header : kIpv4Header);
  if (!generate) p.arg_fixed_size[1] = kTcpHeader;
  return p;
}

}  // namespace

void append_syncookie_helpers(std::vector<FuncProto>& out) {
  out.push_back(proto("bpf_tcp_raw_gen_syncookie_ipv4", kHelperTcpRawGenSyncookieIpv4, gen4, false, true));
  out.push_back(proto("bpf_tcp_raw_gen_syncookie_ipv6", kHelperTcpRawGenSyncookieIpv6, gen6, true, true));
  out.push_back(proto("bpf_tcp_raw_check_syncookie_ipv4", kHelperTcpRawCheckSyncookieIpv4, check4, false, false));
  out.push_back(proto("bpf_tcp_raw_check_syncookie_ipv6", kHelperTcpRawCheckSyncookieIpv6, check6, true, false));
}

}  // namespace decade
