// SPDX-License-Identifier: Apache-2.0
// The tag names a function the object does not have (a static callback
// nothing keeps is dropped by the compiler; the kernel: "could not be found
// in BTF"): the loader refuses the program at its entry.
#include "decade_bpf.h"

static __noinline int catch_dropped(__u64 cookie) { return cookie + 1; }

SEC("xdp") __exception_cb(catch_dropped) int exception_cb_missing(struct xdp_md *ctx) {
  if (ctx->rx_queue_index == 1) bpf_throw(1); /* REJECT */
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
