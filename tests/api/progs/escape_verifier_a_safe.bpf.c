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
