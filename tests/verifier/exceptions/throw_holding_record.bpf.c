// SPDX-License-Identifier: Apache-2.0
// bpf_throw in a subprogram while its caller holds a ring buffer record:
// references of every frame must be released before a throw (the kernel:
// "Unreleased reference"), named at the call that acquired it.
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} events SEC(".maps");

static __noinline int check(__u32 q) {
  if (q == 7) bpf_throw(1);
  return 0;
}

SEC("xdp") int throw_holding_record(struct xdp_md *ctx) {
  __u64 *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0); /* REJECT */
  if (!e) return XDP_PASS;
  *e = ctx->ingress_ifindex;
  check(ctx->rx_queue_index);
  bpf_ringbuf_submit(e, 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
