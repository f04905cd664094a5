// SPDX-License-Identifier: Apache-2.0
// verifier: accept
// Static functions writing through pointers into the caller's stack.
#include "decade_bpf.h"

static __attribute__((noinline)) void fill(__u64 *out, int n) {
  for (int i = 0; i < 4; i++) out[i] = n + i;
}

static __attribute__((noinline)) __u64 total(__u64 *v) { return v[0] + v[1] + v[2] + v[3]; }

SEC("syscall") int subprog_stack(void *ctx) {
  __u64 v[4];
  fill(v, 3);
  return (int)total(v);
}

char LICENSE[] SEC("license") = "GPL";
