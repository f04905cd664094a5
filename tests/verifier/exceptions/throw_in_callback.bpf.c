// SPDX-License-Identifier: Apache-2.0
// bpf_throw inside a bpf_loop callback: the kernel refuses it ("cannot be
// called from callback"). Checked (unverified) execution runs it anyway:
// the throw unwinds through bpf_loop and the program returns the cookie.
#include "decade_bpf.h"

__u64 iterations = 0;

static int body(__u32 i, void *ctx) {
  iterations++;
  if (i == 2) bpf_throw(77); /* REJECT */
  return 0;
}

SEC("xdp") int throw_in_callback(struct xdp_md *ctx) {
  bpf_loop(10, body, NULL, 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
