// SPDX-License-Identifier: Apache-2.0
// verifier: reject VerifierRefLeak
// A reserved record is dropped on one path.
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} events SEC(".maps");

SEC("xdp") int ringbuf_leak(struct xdp_md *ctx) {
  __u64 *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0); /* REJECT */
  if (!e) return XDP_PASS;
  *e = ctx->ingress_ifindex;
  if (ctx->rx_queue_index == 3) return XDP_DROP;
  bpf_ringbuf_submit(e, 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
