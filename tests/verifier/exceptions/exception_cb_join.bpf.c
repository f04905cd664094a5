// SPDX-License-Identifier: Apache-2.0
// The callback's result is range-checked on every path, also where paths
// join: the path returning 1 reaches the exit first and is stored there; the
// one returning 100 must not be pruned by it (r0 at the callback's exit is
// a value whose precision matters, as at the main function's exit).
#include "decade_bpf.h"

__noinline int catch_join(__u64 cookie) {
  int r = 100;
  if (cookie != 7) r = 1;
  return r; /* REJECT */
}

SEC("xdp") __exception_cb(catch_join) int exception_cb_join(struct xdp_md *ctx) {
  if (ctx->rx_queue_index == 1) bpf_throw(1);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
