// SPDX-License-Identifier: Apache-2.0
// An exception callback must be a global function (the kernel: "must have
// global linkage"); the rejection names its first instruction. (A static
// one that nothing else keeps is dropped by the compiler: the tag then
// names no function of the object, exception_cb_missing.bpf.c.)
#include "decade_bpf.h"

static __noinline __attribute__((used)) int catch_static(__u64 cookie) { /* REJECT */
  return cookie + 1;
}

SEC("xdp") __exception_cb(catch_static) int exception_cb_static(struct xdp_md *ctx) {
  if (ctx->rx_queue_index == 1) bpf_throw(1);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
