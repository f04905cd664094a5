// SPDX-License-Identifier: Apache-2.0
// decade_alloca from C (docs/isa-extensions.md, "alloca"): fold() takes 1 to
// 32 words of its own frame, a size known only at run time, fills and folds
// them; the program calls it twice (each call's area goes with its frame)
// and keeps both results in a two-word area of its own across the calls.
// The loader turns each call of decade_alloca into one instruction; the
// object declares the alloca extension through the header's decl tag.
// Built by clang-19 (this file) and clang-22 (alloca.c22.bpf.c).
#include <linux/bpf.h>
#include <decade/bpf_ext.h>

#define SEC(name) __attribute__((section(name), used))

struct io {
  unsigned long long n;
  unsigned long long seed;
  unsigned long long out;
};

static __attribute__((always_inline)) unsigned long long mix(unsigned long long x) {
  return x * 0x9e3779b97f4a7c15ULL + 1;
}

static __attribute__((noinline)) unsigned long long fold(unsigned long long n, unsigned long long seed) {
  n = (n & 31) + 1;
  unsigned long long* buf = decade_alloca(n * sizeof(*buf));
  // Unrolled: each word's offset is a constant the verifier checks
  // against the size's bound, and the size's comparisons bound the reads.
#pragma clang loop unroll(full)
  for (unsigned long long i = 0; i < 32; i++)
    if (i < n) buf[i] = seed = mix(seed);
  unsigned long long r = seed;
#pragma clang loop unroll(full)
  for (int i = 31; i >= 0; i--)
    if ((unsigned long long)i < n) r = r * 31 + buf[i];
  return r;
}

SEC("xdp") int alloca_prog(struct xdp_md* ctx) {
  struct io* p = (struct io*)(long)ctx->data;
  if ((void*)(p + 1) > (void*)(long)ctx->data_end) return XDP_ABORTED;
  volatile unsigned long long* mine = decade_alloca(2 * sizeof(*mine));
  mine[0] = fold(p->n, p->seed);
  mine[1] = fold(p->n + 7, mine[0]);
  p->out = mine[0] * 3 + mine[1];
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
