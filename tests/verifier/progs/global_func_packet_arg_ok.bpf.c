// SPDX-License-Identifier: Apache-2.0
// verifier: accept
// A global function that leaves the packet alone may get packet memory as a
// sized argument (as in Linux 6.18).
#include "decade_bpf.h"

struct buf {
  unsigned char b[64];
};

__attribute__((noinline)) int touch(struct buf *p) {
  if (!p) return 0;
  p->b[63] = 1;
  return 1;
}

SEC("xdp") int global_func_packet_arg_ok(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  if (data + 64 > end) return XDP_PASS;
  return touch((struct buf *)data);
}

char LICENSE[] SEC("license") = "GPL";
