// SPDX-License-Identifier: Apache-2.0
// The exception callback's result is the program's: under a type with a
// return range (the test's xdp_ret, 0..4) it is checked at its exit as the
// main function's is; the cookie itself may be anything.
#include "decade_bpf.h"

__noinline int catch_unbounded(__u64 cookie) {
  return cookie; /* REJECT */
}

SEC("xdp") __exception_cb(catch_unbounded) int exception_cb_range(struct xdp_md *ctx) {
  if (ctx->rx_queue_index == 1) bpf_throw(1000);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
