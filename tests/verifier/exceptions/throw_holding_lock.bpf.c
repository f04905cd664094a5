// SPDX-License-Identifier: Apache-2.0
// bpf_throw under a bpf_spin_lock: nothing but the unlock may be called
// while it is held (the kernel: "function calls are not allowed while
// holding a lock"), so the unwinding never has a lock to drop.
#include "decade_bpf.h"

struct counter {
  __u64 hits;
  struct bpf_spin_lock lock;
  __u32 pad;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, struct counter);
  __uint(max_entries, 1);
} counters SEC(".maps");

SEC("xdp") int throw_holding_lock(struct xdp_md *ctx) {
  __u32 k = 0;
  struct counter *c = bpf_map_lookup_elem(&counters, &k);
  if (!c) return XDP_PASS;
  bpf_spin_lock(&c->lock);
  c->hits++;
  if (ctx->rx_queue_index == 1) bpf_throw(1); /* REJECT */
  bpf_spin_unlock(&c->lock);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
