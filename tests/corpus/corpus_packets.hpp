// SPDX-License-Identifier: Apache-2.0
// The packets the corpus programs run on (IPv4 and IPv6; TCP, UDP, ICMP;
// VLAN and QinQ tags; ARP; frames cut short in every header), built with
// correct checksums, and the map contents both sides are given.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace decade::corpus {

struct Packet {
  std::string name;
  std::vector<uint8_t> bytes;
};

std::vector<Packet> packets();

// A map element written before the runs, on Decade's side and the
// kernel's. A per-CPU value is given once and written for every CPU.
struct Fill {
  const char* map;
  std::vector<uint8_t> key;
  std::vector<uint8_t> value;
  bool percpu = false;
};

std::vector<uint8_t> u32(uint32_t v);
std::vector<uint8_t> u32s(std::initializer_list<uint32_t> v);
std::vector<uint8_t> u64(uint64_t v);
// `value` (padded to 8 bytes) repeated to fill `size` bytes: one per CPU.
std::vector<uint8_t> per_cpu(const std::vector<uint8_t>& value, uint32_t size);
// The kernel's num_possible_cpus(): what the projects' loaders size their
// per-CPU tables with (maps declared without max_entries).
uint32_t possible_cpus();

inline const std::vector<uint8_t> kSrcMac = {0x02, 0, 0, 0, 0, 0x01};
inline const std::vector<uint8_t> kDstMac = {0x02, 0, 0, 0, 0, 0x02};
inline const std::vector<uint8_t> kRedirectMac = {0x02, 0, 0, 0, 0, 0x03};
inline const std::vector<uint8_t> kSrcIp6 = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};

}  // namespace decade::corpus
