// SPDX-License-Identifier: Apache-2.0
// The exception callback may not throw itself (the kernel: "cannot be
// called from callback subprog").
#include "decade_bpf.h"

__noinline int catch_throws(__u64 cookie) {
  if (cookie == 3) bpf_throw(4); /* REJECT */
  return cookie;
}

SEC("xdp") __exception_cb(catch_throws) int exception_cb_throws(struct xdp_md *ctx) {
  if (ctx->rx_queue_index == 1) bpf_throw(3);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
