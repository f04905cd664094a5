// SPDX-License-Identifier: Apache-2.0
// Tunnel metadata a tc program attached to its packet with
// bpf_skb_set_tunnel_key / bpf_skb_set_tunnel_opt: what the kernel keeps
// in the packet's metadata dst for a collect-metadata tunnel device to
// encapsulate with. Decade has no tunnel devices; a test run reports it
// (TestRunResult::tunnel) and the host encapsulates. docs/helpers.md.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace decade {

struct TunnelKey {
  bool ipv6 = false;              // BPF_F_TUNINFO_IPV6 was given
  uint64_t id = 0;                // tunnel_id (VNI, GRE key, ...)
  // The outer addresses as struct bpf_tunnel_key holds them: IPv4 in
  // element 0 in host order, IPv6 as the four words of the address.
  std::array<uint32_t, 4> remote{};
  std::array<uint32_t, 4> local{};
  uint8_t tos = 0;
  uint8_t ttl = 0;
  uint32_t label = 0;             // IPv6 flow label (20 bits)
  // The set_tunnel_key flags: BPF_F_ZERO_CSUM_TX, BPF_F_DONT_FRAGMENT,
  // BPF_F_SEQ_NUMBER, BPF_F_NO_TUNNEL_KEY (BPF_F_TUNINFO_IPV6 is `ipv6`).
  uint64_t flags = 0;
  std::vector<uint8_t> options;   // bpf_skb_set_tunnel_opt's bytes (Geneve / VXLAN-GBP / ERSPAN)
};

}  // namespace decade
