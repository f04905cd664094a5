// SPDX-License-Identifier: Apache-2.0
#include "corpus_packets.hpp"

#include <fstream>

namespace decade::corpus {
namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }

// The Internet checksum of `b` with `sum` carried in.
uint16_t csum(const Bytes& b, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < b.size(); i += 2) sum += static_cast<uint32_t>(b[i] << 8 | b[i + 1]);
  if (b.size() % 2) sum += static_cast<uint32_t>(b.back() << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint32_t sum_of(const Bytes& b) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < b.size(); i += 2) s += static_cast<uint32_t>(b[i] << 8 | b[i + 1]);
  return s;
}

void set16(Bytes& b, size_t off, uint16_t v) {
  b[off] = static_cast<uint8_t>(v >> 8);
  b[off + 1] = static_cast<uint8_t>(v);
}

Bytes ether(const std::vector<uint16_t>& tags, uint16_t proto) {
  Bytes b = kDstMac;
  append(b, kSrcMac);
  for (size_t i = 0; i < tags.size(); ++i) {
    put16(b, i + 1 < tags.size() ? 0x88a8 : 0x8100);  // QinQ: 802.1ad outside
    put16(b, tags[i]);
  }
  put16(b, proto);
  return b;
}

const Bytes kIp4Src = {10, 0, 0, 1}, kIp4Dst = {10, 1, 2, 3}, kIp4Other = {10, 0, 0, 9};
const Bytes kIp6Dst = {0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};

Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<uint16_t>(8 + payload.size()));
  put16(b, 0);
  append(b, payload);
  return b;
}

Bytes tcp(uint16_t sport, uint16_t dport, uint8_t flags) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  append(b, {0, 0, 0x10, 0x00, 0, 0, 0, 0, 0x50, flags});  // seq 0x1000, ack 0, offset 5
  put16(b, 0xfaf0);
  put16(b, 0);  // checksum
  put16(b, 0);
  return b;
}

Bytes icmp_echo(uint8_t type) {
  Bytes b = {type, 0, 0, 0, 0x12, 0x34, 0, 1};
  append(b, {'p', 'i', 'n', 'g', 'p', 'i', 'n', 'g'});
  return b;
}

// IPv4 around an L4 payload; the L4 checksum (at l4_csum, -1: none) over the pseudo header.
Bytes ipv4(const Bytes& src, uint8_t proto, Bytes l4, int l4_csum) {
  Bytes h = {0x45, 0};
  put16(h, static_cast<uint16_t>(20 + l4.size()));
  append(h, {0x12, 0x34, 0x40, 0x00, 64, proto, 0, 0});
  append(h, src);
  append(h, kIp4Dst);
  set16(h, 10, csum(h));
  if (l4_csum >= 0) {
    Bytes pseudo = src;
    append(pseudo, kIp4Dst);
    append(pseudo, {0, proto});
    put16(pseudo, static_cast<uint16_t>(l4.size()));
    set16(l4, static_cast<size_t>(l4_csum), proto == 1 ? csum(l4) : csum(l4, sum_of(pseudo)));
  }
  append(h, l4);
  return h;
}

Bytes ipv6(uint8_t proto, Bytes l4, size_t l4_csum) {
  Bytes h = {0x60, 0, 0, 0};
  put16(h, static_cast<uint16_t>(l4.size()));
  append(h, {proto, 64});
  append(h, kSrcIp6);
  append(h, kIp6Dst);
  Bytes pseudo = kSrcIp6;
  append(pseudo, kIp6Dst);
  append(pseudo, {0, 0});
  put16(pseudo, static_cast<uint16_t>(l4.size()));
  append(pseudo, {0, 0, 0, proto});
  set16(l4, l4_csum, csum(l4, sum_of(pseudo)));
  append(h, l4);
  return h;
}

Bytes frame(const std::vector<uint16_t>& tags, uint16_t proto, const Bytes& l3) {
  Bytes b = ether(tags, proto);
  append(b, l3);
  return b;
}

Bytes cut(Bytes b, size_t n) {
  b.resize(n);
  return b;
}

}  // namespace

std::vector<Packet> packets() {
  const Bytes payload = {'d', 'e', 'c', 'a', 'd', 'e', '!', '\n', 1, 2, 3, 4, 5, 6, 7, 8};
  const Bytes v4udp = frame({}, 0x0800, ipv4(kIp4Src, 17, udp(1234, 80, payload), 6));
  const Bytes v4tcp = frame({}, 0x0800, ipv4(kIp4Src, 6, tcp(40000, 80, 0x02), 16));
  const Bytes v6tcp = frame({}, 0x86dd, ipv6(6, tcp(40000, 443, 0x12), 16));
  Bytes arp = ether({}, 0x0806);
  append(arp, {0, 1, 8, 0, 6, 4, 0, 1});
  append(arp, kSrcMac);
  append(arp, kIp4Src);
  append(arp, {0, 0, 0, 0, 0, 0});
  append(arp, kIp4Dst);
  return {
      {"ipv4_udp", v4udp},
      {"ipv4_tcp_syn", v4tcp},
      {"ipv4_tcp_other_src", frame({}, 0x0800, ipv4(kIp4Other, 6, tcp(5555, 22, 0x10), 16))},
      {"ipv4_udp_other_src", frame({}, 0x0800, ipv4(kIp4Other, 17, udp(5353, 53, payload), 6))},
      {"ipv4_icmp_echo", frame({}, 0x0800, ipv4(kIp4Src, 1, icmp_echo(8), 2))},
      {"ipv6_udp", frame({}, 0x86dd, ipv6(17, udp(5000, 80, payload), 6))},
      {"ipv6_tcp", v6tcp},
      {"ipv6_icmp_echo", frame({}, 0x86dd, ipv6(58, icmp_echo(128), 2))},
      {"vlan_ipv4_udp", frame({100}, 0x0800, ipv4(kIp4Src, 17, udp(1234, 53, payload), 6))},
      {"qinq_ipv6_udp", frame({200, 100}, 0x86dd, ipv6(17, udp(5000, 53, payload), 6))},
      {"vlan_ipv6_icmp_echo", frame({100}, 0x86dd, ipv6(58, icmp_echo(128), 2))},
      {"arp_request", arp},
      {"ether_only", cut(v4udp, 14)},
      {"ipv4_header_cut", cut(v4udp, 14 + 12)},
      {"ipv4_tcp_header_cut", cut(v4tcp, 14 + 20 + 10)},
      {"ipv6_header_cut", cut(v6tcp, 14 + 30)},
      {"vlan_tag_cut", cut(frame({100}, 0x0800, {}), 16)},
  };
}

std::vector<uint8_t> u32(uint32_t v) { return {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)}; }

std::vector<uint8_t> u32s(std::initializer_list<uint32_t> v) {
  std::vector<uint8_t> out;
  for (uint32_t x : v) append(out, u32(x));
  return out;
}

std::vector<uint8_t> u64(uint64_t v) {
  std::vector<uint8_t> out = u32(static_cast<uint32_t>(v));
  append(out, u32(static_cast<uint32_t>(v >> 32)));
  return out;
}

std::vector<uint8_t> per_cpu(const std::vector<uint8_t>& value, uint32_t size) {
  std::vector<uint8_t> slot = value;
  slot.resize((value.size() + 7) / 8 * 8);
  std::vector<uint8_t> out;
  while (out.size() + slot.size() <= size) append(out, slot);
  return out;
}

uint32_t possible_cpus() {
  // "0-7" or "0,2-3": the highest CPU plus one, as the kernel counts them.
  std::ifstream f("/sys/devices/system/cpu/possible");
  std::string s;
  std::getline(f, s);
  const auto last = s.find_last_of(",-");
  const std::string tail = last == std::string::npos ? s : s.substr(last + 1);
  return tail.empty() ? 1 : static_cast<uint32_t>(std::stoul(tail)) + 1;
}

}  // namespace decade::corpus
