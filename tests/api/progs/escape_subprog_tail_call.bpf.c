// SPDX-License-Identifier: Apache-2.0
// Escape (issue 11, point 5): a static function tail-calls a program that
// shrinks the packet to 14 bytes; its caller still trusted the 1000 bytes it
// had checked before the call.
// expect: rejected, VerifierInvalidMemAccess at insn 7 (caller; the kernel:
// "R6 invalid mem access 'scalar'")
#include "decade_bpf.h"

SEC("xdp") int shrink(struct xdp_md *ctx) {
  long len = (long)ctx->data_end - (long)ctx->data;
  bpf_xdp_adjust_tail(ctx, -(int)(len - 14));
  return XDP_PASS;
}

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
  __uint(max_entries, 1);
  __array(values, int(void *));
} jmp SEC(".maps") = {.values = {[0] = (void *)&shrink}};

static __attribute__((noinline)) int tail_sub(struct xdp_md *ctx) {
  bpf_tail_call(ctx, &jmp, 0);
  return 0;
}

SEC("xdp") int caller(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  if (data + 1000 > end) return XDP_PASS;
  tail_sub(ctx);
  return data[999];
}

char LICENSE[] SEC("license") = "GPL";
