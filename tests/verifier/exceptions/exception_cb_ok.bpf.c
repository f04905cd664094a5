// SPDX-License-Identifier: Apache-2.0
// Accepted under xdp_ret (0..4): the callback bounds its result, so the
// cookie may be anything; an `int` cookie is an integer too (the kernel
// accepts a narrower argument).
#include "decade_bpf.h"

__noinline int catch_bounded(int cookie) { return cookie & 3; }

SEC("xdp") __exception_cb(catch_bounded) int exception_cb_ok(struct xdp_md *ctx) {
  if (ctx->rx_queue_index == 1) bpf_throw(1000);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
