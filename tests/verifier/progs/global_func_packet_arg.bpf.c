// SPDX-License-Identifier: Apache-2.0
// verifier: reject VerifierBadHelperArg
// A global function gets packet memory as a sized argument and moves the
// packet: its writes would land on bytes that are no longer the packet's.
// Linux 6.18 rejects the call too ("arg#1 is a packet pointer, but func#1 may
// change packet data").
#include "decade_bpf.h"

struct buf {
  unsigned char b[64];
};

__attribute__((noinline)) int touch(struct xdp_md *ctx, struct buf *p) {
  if (!p) return 0;
  bpf_xdp_adjust_head(ctx, 32);
  p->b[63] = 1;
  return 1;
}

SEC("xdp") int global_func_packet_arg(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  if (data + 64 > end) return XDP_PASS;
  return touch(ctx, (struct buf *)data); /* REJECT */
}

char LICENSE[] SEC("license") = "GPL";
