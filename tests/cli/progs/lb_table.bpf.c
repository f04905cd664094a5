// SPDX-License-Identifier: Apache-2.0
// A load balancer's table lookup, filled from the command line
// (`decade run --map-init`): UDP packets to a virtual service (address,
// port) are rewritten to the backend the `services` hash names and sent
// back out; `backends` is an array of 20-byte values (not a multiple of 8).
#include "decade_bpf.h"

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>

struct service {
  __u32 vip;  // network order
  __u16 port; // network order
  __u8 proto;
  __u8 pad;
};

struct backend {
  __u32 ip;                   // network order
  unsigned char mac[ETH_ALEN];
  __u16 weight;
  __u32 flags;
  __u32 hits;
};  // 20 bytes

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, struct service);
  __type(value, __u32);  // index into backends
} services SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, struct backend);
} backends SEC(".maps");

// XDP_TX with the destination rewritten to the backend, XDP_PASS for
// packets no service claims, XDP_ABORTED for a malformed one.
SEC("xdp") int lb(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  struct iphdr *ip = data + sizeof(*eth);
  struct udphdr *udp = data + sizeof(*eth) + sizeof(*ip);
  if ((void *)(udp + 1) > end) return XDP_ABORTED;
  if (eth->h_proto != __builtin_bswap16(ETH_P_IP) || ip->ihl != 5 || ip->protocol != IPPROTO_UDP) return XDP_PASS;
  struct service svc = {.vip = ip->daddr, .port = udp->dest, .proto = ip->protocol};
  __u32 *idx = bpf_map_lookup_elem(&services, &svc);
  if (!idx) return XDP_PASS;
  struct backend *be = bpf_map_lookup_elem(&backends, idx);
  if (!be || !be->weight) return XDP_PASS;
  __builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
  __builtin_memcpy(eth->h_dest, be->mac, ETH_ALEN);
  ip->daddr = be->ip;
  __sync_fetch_and_add(&be->hits, 1);
  return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
