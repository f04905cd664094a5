// SPDX-License-Identifier: Apache-2.0
// The safe forms of the escapes in escape_*.bpf.c: what the verifier must
// keep accepting, run on every engine (tests/api/escape_verifier_a_test.cpp).
#include "decade_bpf.h"

// Metadata checked against data, then read back.
SEC("xdp") int meta_checked(struct xdp_md *ctx) {
  if (bpf_xdp_adjust_meta(ctx, -8)) return 100;
  __u64 *meta = (void *)(long)ctx->data_meta;
  void *data = (void *)(long)ctx->data;
  if ((void *)(meta + 1) > data) return 101;
  *meta = 0x2a;
  return (int)*meta;
}

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

// Packet pointers loaded again after a function that may tail-call: the
// packet is 14 bytes long after the target ran.
SEC("xdp") int reload_after_tail_call(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  if (data + 1000 > end) return 1000;
  tail_sub(ctx);
  data = (void *)(long)ctx->data;
  end = (void *)(long)ctx->data_end;
  return (int)(end - data);
}

// Iterator elements read, never written: 0 + 1 + 2 + 3.
SEC("xdp") int iter_sum(struct xdp_md *ctx) {
  struct bpf_iter_num it;
  int *v, sum = 0;
  bpf_iter_num_new(&it, 0, 4);
  while ((v = bpf_iter_num_next(&it))) sum += *v;
  bpf_iter_num_destroy(&it);
  return sum;
}

char LICENSE[] SEC("license") = "GPL";
