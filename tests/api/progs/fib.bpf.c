// SPDX-License-Identifier: Apache-2.0
// bpf_fib_lookup from xdp and tc: the packet carries the struct
// bpf_fib_lookup (bytes 0-63) and the flags (64-67); the program writes the
// struct back and the return code at 68 (tests/api/fib_test.cpp).
#include "decade_bpf.h"

#define FIB_PKT 72

static __always_inline void lookup(void *ctx, void *data) {
  struct bpf_fib_lookup p;
  __builtin_memcpy(&p, data, sizeof p);
  __u32 flags = *(__u32 *)(data + 64);
  long rc = bpf_fib_lookup(ctx, &p, sizeof p, flags);
  __builtin_memcpy(data, &p, sizeof p);
  *(__s32 *)(data + 68) = rc;
}

SEC("xdp") int fib_xdp(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  if (data + FIB_PKT > end) return XDP_ABORTED;
  lookup(ctx, data);
  return XDP_PASS;
}

SEC("tc") int fib_tc(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
  if (data + FIB_PKT > end) return 2;  // TC_ACT_SHOT
  lookup(skb, data);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
