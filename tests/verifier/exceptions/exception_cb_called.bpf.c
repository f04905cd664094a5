// SPDX-License-Identifier: Apache-2.0
// Only bpf_throw runs the exception callback (the kernel: "cannot call
// exception cb directly").
#include "decade_bpf.h"

__noinline int catch_called(__u64 cookie) { return cookie + 1; }

SEC("xdp") __exception_cb(catch_called) int exception_cb_called(struct xdp_md *ctx) {
  return catch_called(ctx->rx_queue_index); /* REJECT */
}

char LICENSE[] SEC("license") = "GPL";
