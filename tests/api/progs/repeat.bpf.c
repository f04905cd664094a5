// SPDX-License-Identifier: Apache-2.0
// Repeated test runs (TestRunOptions::repeat, entered once by the engine):
// each run must start as a single test run would. `repeat_main` counts its
// runs (counts[0]) and its runs per CPU, then tail-calls `hop`, which
// counts itself (counts[1]) and tail-calls itself until the chain's limit:
// 33 hops a run only when each run's tail-call count starts at 0. The last
// hop redirects on odd-numbered runs and passes on even ones, so what a
// test run reports is the last run's own choice.
// expect: after N runs, counts = {N, 33 N}, per-CPU runs sum to N, the
// result is XDP_REDIRECT (ifindex 7) when N is odd, else XDP_PASS
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 2);
} counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} percpu_runs SEC(".maps");

SEC("xdp") int hop(struct xdp_md *ctx);

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
  __uint(max_entries, 1);
  __array(values, int(void *));
} jmp SEC(".maps") = {.values = {[0] = (void *)&hop}};

static __u64 bump(__u32 k) {
  __u64 *v = bpf_map_lookup_elem(&counts, &k);
  return v ? __sync_fetch_and_add(v, 1) + 1 : 0;
}

SEC("xdp") int hop(struct xdp_md *ctx) {
  bump(1);
  bpf_tail_call(ctx, &jmp, 0);
  __u32 zero = 0;
  __u64 *runs = bpf_map_lookup_elem(&counts, &zero);
  if (runs && (*runs & 1)) return bpf_redirect(7, 0);
  return XDP_PASS;
}

SEC("xdp") int repeat_main(struct xdp_md *ctx) {
  bump(0);
  __u32 zero = 0;
  __u64 *p = bpf_map_lookup_elem(&percpu_runs, &zero);
  if (p) *p += 1;
  bpf_tail_call(ctx, &jmp, 0);
  return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
