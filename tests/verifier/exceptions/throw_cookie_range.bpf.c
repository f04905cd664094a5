// SPDX-License-Identifier: Apache-2.0
// Without an exception callback the cookie is the program's result: under
// xdp_ret (0..4) a cookie of 1000 is refused at the throw (the kernel:
// "At program exit the register R0 has value").
#include "decade_bpf.h"

SEC("xdp") int throw_cookie_range(struct xdp_md *ctx) {
  if (ctx->rx_queue_index == 1) bpf_throw(1000); /* REJECT */
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
