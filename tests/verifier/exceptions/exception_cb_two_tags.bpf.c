// SPDX-License-Identifier: Apache-2.0
// One exception callback per program (the kernel: "multiple exception
// callback tags for main subprog"): the loader refuses the program at its
// entry.
#include "decade_bpf.h"

__noinline int catch_one(__u64 cookie) { return cookie; }
__noinline int catch_two(__u64 cookie) { return cookie + 1; }

SEC("xdp") __exception_cb(catch_one) __exception_cb(catch_two) int exception_cb_two_tags(struct xdp_md *ctx) {
  if (ctx->rx_queue_index == 1) bpf_throw(1); /* REJECT */
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
