// SPDX-License-Identifier: Apache-2.0
// The bitmanip intrinsics from C (include/decade/bpf_ext.h): the packet holds
// x and n, the program writes every intrinsic's result after them. Built by
// clang-19 (this file) and clang-22 (bitmanip.c22.bpf.c includes it).
#include <linux/bpf.h>
#include <decade/bpf_ext.h>

#define SEC(name) __attribute__((section(name), used))

struct io {
  unsigned long long x, n;
  unsigned long long out[12];
};

SEC("xdp") int bitmanip(struct xdp_md* ctx) {
  struct io* p = (struct io*)(long)ctx->data;
  if ((void*)(p + 1) > (void*)(long)ctx->data_end) return XDP_ABORTED;
  const unsigned long long x = p->x, n = p->n;
  p->out[0] = decade_popcount64(x);
  p->out[1] = decade_popcount32((unsigned int)x);
  p->out[2] = decade_clz64(x);
  p->out[3] = decade_clz32((unsigned int)x);
  p->out[4] = decade_ctz64(x);
  p->out[5] = decade_ctz32((unsigned int)x);
  p->out[6] = decade_rotl64(x, n);
  p->out[7] = decade_rotr64(x, n);
  p->out[8] = decade_rotl32((unsigned int)x, (unsigned int)n);
  p->out[9] = decade_rotr32((unsigned int)x, (unsigned int)n);
  // An argument computed in r1 itself: this call stays a kfunc call.
  p->out[10] = decade_popcount64(x * 3 + n);
  p->out[11] = decade_clz64(x) + decade_ctz64(n);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
