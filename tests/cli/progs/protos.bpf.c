// SPDX-License-Identifier: Apache-2.0
// Functions whose BTF prototypes `prog dump xlated` prints above their
// first instruction, as bpftool does: pointers, qualifiers, typedefs, an
// array parameter and a function without parameters.
#include "decade_bpf.h"

struct foo {
  int a;
};
typedef unsigned long long u64t;

static __attribute__((noinline)) int sub(const char *s, __u64 x, void **pp, unsigned int u, struct foo *f) {
  return (int)(x + u + (s ? 1 : 0) + (pp ? 1 : 0) + (f ? 1 : 0));
}

static __attribute__((noinline)) long sub2(u64t t, volatile int *vp, char c, int arr[4], const struct foo *const cf) {
  return t + c + (vp ? 1 : 0) + (arr ? 1 : 0) + (cf ? 1 : 0);
}

static __attribute__((noinline)) void nothing(void) { asm volatile(""); }

SEC("xdp") int prog(struct xdp_md *ctx) {
  nothing();
  return (sub(0, ctx->ingress_ifindex, 0, 1, 0) + sub2(ctx->rx_queue_index, 0, 3, 0, 0)) & 1;
}

char _license[] SEC("license") = "GPL";
