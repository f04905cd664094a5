// SPDX-License-Identifier: Apache-2.0
// TCP SYN cookies for bpf_tcp_raw_gen_syncookie_ipv4/6 and
// bpf_tcp_raw_check_syncookie_ipv4/6 (syncookie_helpers.cpp), computed as
// the kernel computes its own (RFC 4987 section 3.6; D. J. Bernstein's
// construction):
//
//   cookie = H0(addrs, ports) + their_seq + (count << 24)
//          + ((H1(addrs, ports, count) + mss_index) mod 2^24)
//
// where count is the number of whole minutes of CLOCK_MONOTONIC, H0 and H1
// are SipHash-2-4 under two secret keys drawn once per process, and
// mss_index picks one of four MSS values (the kernel's tables). A cookie
// is valid while count has advanced by less than 2 (the kernel's
// MAX_SYNCOOKIE_AGE). The secrets are this process's, so cookies made by
// one Decade process are checked by programs of the same process only
// (the kernel's cookies are not Decade's, and the other way round).
#pragma once

#include <cstdint>
#include <span>

namespace decade::syncookie {

// SipHash-2-4 of `data` under the 128-bit key {k0, k1} (little-endian
// words), as specified by Aumasson and Bernstein.
uint64_t siphash24(uint64_t k0, uint64_t k1, std::span<const uint8_t> data);

// The endpoints of one connection as they lie in the packet: addresses and
// ports in network byte order, IPv4 addresses in the first 4 bytes.
struct Flow {
  bool ipv6 = false;
  uint8_t saddr[16] = {};
  uint8_t daddr[16] = {};
  uint16_t sport = 0;
  uint16_t dport = 0;
};

// The MSS values a cookie can carry (ascending), per family.
std::span<const uint16_t> mss_table(bool ipv6);

// The current cookie counter: whole minutes of CLOCK_MONOTONIC.
uint32_t current_count();

// The cookie for a SYN with sequence number `seq` (host order) that asked
// for `mss`: the largest table value not above it (the smallest when all
// are) is what the cookie encodes and what `*mss_out` receives.
uint32_t make(const Flow& f, uint32_t seq, uint16_t mss, uint32_t count, uint16_t* mss_out);

// The MSS `cookie` encodes when it was made for f and seq within the last
// two counts before `count`, else 0.
uint16_t check(const Flow& f, uint32_t cookie, uint32_t seq, uint32_t count);

}  // namespace decade::syncookie
