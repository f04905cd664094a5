// SPDX-License-Identifier: Apache-2.0
// verifier: accept
// Ethernet + IPv4 parsing with the bounds checks clang keeps.
#include "decade_bpf.h"
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 256);
} proto_count SEC(".maps");

SEC("xdp") int xdp_parse(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > end) return XDP_PASS;
  __u32 key = ip->protocol;
  __u64 *count = bpf_map_lookup_elem(&proto_count, &key);
  if (count) __sync_fetch_and_add(count, 1);
  return ip->ttl > 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
