// SPDX-License-Identifier: Apache-2.0
// verifier: reject VerifierOutOfBounds
// The IP header is read without checking it against data_end.
#include "decade_bpf.h"
#include <linux/if_ether.h>
#include <linux/ip.h>

SEC("xdp") int xdp_unchecked(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  return ip->ttl > 1 ? XDP_PASS : XDP_DROP; /* REJECT */
}

char LICENSE[] SEC("license") = "GPL";
