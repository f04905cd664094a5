// SPDX-License-Identifier: Apache-2.0
// bpf_printk into the object's trace buffer: two lines per run.
// expect (xdp, any packet): retval XDP_PASS; trace "len N" then "done 7 x"
#include "decade_bpf.h"

SEC("xdp") int say(struct xdp_md *ctx) {
  long len = (long)ctx->data_end - (long)ctx->data;
  bpf_printk("len %ld", len);
  bpf_printk("done %d %c", 7, 'x');
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
