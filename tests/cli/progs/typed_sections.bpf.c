// SPDX-License-Identifier: Apache-2.0
// Sections libbpf does not know, as deployed programs spell them: an XDP
// program in SEC("xdp_redirect") and a socket filter in SEC("filter"). They
// load only once given a type (`decade run --type`, bpftool's `type`). The
// cgroup skb program is typed by its section. All three read the packet.
#include "decade_bpf.h"

#include <linux/if_ether.h>

// Swaps the Ethernet addresses and sends the frame back out (XDP_TX), or
// passes what is too short to carry them.
SEC("xdp_redirect") int xdp_swap(struct xdp_md *ctx) {
  unsigned char *data = (unsigned char *)(long)ctx->data;
  unsigned char *end = (unsigned char *)(long)ctx->data_end;
  if (data + ETH_HLEN > end) return XDP_PASS;
  for (int i = 0; i < ETH_ALEN; i++) {
    unsigned char t = data[i];
    data[i] = data[ETH_ALEN + i];
    data[ETH_ALEN + i] = t;
  }
  return XDP_TX;
}

// Keeps (returns its length) an IPv4 packet whose protocol byte is UDP:
// skb data starts at the network header in a socket filter.
SEC("filter") int udp_only(struct __sk_buff *skb) {
  __u8 proto = 0;
  if (skb->protocol != __builtin_bswap16(ETH_P_IP)) return 0;
  if (bpf_skb_load_bytes(skb, 9, &proto, 1) < 0) return 0;
  return proto == 17 ? skb->len : 0;
}

// Allows (1) an IPv4 packet whose first byte is 0x45, read directly.
SEC("cgroup_skb/egress") int egress_v4(struct __sk_buff *skb) {
  unsigned char *data = (unsigned char *)(long)skb->data;
  unsigned char *end = (unsigned char *)(long)skb->data_end;
  if (data + 1 > end) return 0;
  return data[0] == 0x45 ? 1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
