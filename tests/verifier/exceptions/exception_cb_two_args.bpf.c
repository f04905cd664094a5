// SPDX-License-Identifier: Apache-2.0
// An exception callback takes exactly one integer, the cookie (the kernel:
// "exception cb only supports single integer argument").
#include "decade_bpf.h"

__noinline int catch_two(__u64 cookie, __u64 more) { /* REJECT */
  return cookie + more;
}

SEC("xdp") __exception_cb(catch_two) int exception_cb_two_args(struct xdp_md *ctx) {
  if (ctx->rx_queue_index == 1) bpf_throw(1);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
