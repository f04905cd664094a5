// SPDX-License-Identifier: Apache-2.0
// Escape (issue 11, point 5): when a static function's tail call is taken,
// the target's r0 (here 1 << 20) is the function's result, not the bounded
// index the function computes after the call.
// expect: rejected, VerifierOutOfBounds at insn 16 (result; the kernel: "R7
// unbounded memory access")
#include "decade_bpf.h"

SEC("xdp") int far(struct xdp_md *ctx) { return 1 << 20; }

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
  __uint(max_entries, 1);
  __array(values, int(void *));
} jmp SEC(".maps") = {.values = {[0] = (void *)&far}};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} arr SEC(".maps");

static __attribute__((noinline)) int small_index(struct xdp_md *ctx) {
  bpf_tail_call(ctx, &jmp, 0);
  return ctx->rx_queue_index & 7;
}

SEC("xdp") int result(struct xdp_md *ctx) {
  __u32 k = 0;
  unsigned char *v = bpf_map_lookup_elem(&arr, &k);
  if (!v) return XDP_PASS;
  return v[small_index(ctx)];
}

char LICENSE[] SEC("license") = "GPL";
