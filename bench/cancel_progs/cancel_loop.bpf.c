// SPDX-License-Identifier: Apache-2.0
// Programs for bench_cancel (cancellation latency): each runs far longer than
// a measurement, so every run ends by being stopped. back_edges loops in
// program code (open-coded iterators), callbacks inside bpf_loop calls.
#include "decade_bpf.h"

SEC("syscall") int back_edges(void *ctx) {
  __u64 n = 0;
  int i, j;
  bpf_for(i, 0, 1 << 23) {
    bpf_for(j, 0, 1 << 23) n += j ^ i;
  }
  return (int)n;
}

static long inner(__u64 i, void *ctx) {
  *(__u64 *)ctx += i;
  return 0;
}

static long outer(__u64 i, void *ctx) {
  bpf_loop(1 << 23, inner, ctx, 0);
  return 0;
}

SEC("syscall") int callbacks(void *ctx) {
  __u64 n = 0;
  bpf_loop(1 << 23, outer, &n, 0);
  return (int)n;
}

char LICENSE[] SEC("license") = "GPL";
