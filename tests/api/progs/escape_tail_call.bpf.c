// SPDX-License-Identifier: Apache-2.0
// Tail calls across program types (issue 11, point 2). xdp_caller refers to
// `jmp`, so loading it makes the array an XDP array; tc_target was verified
// against struct __sk_buff, whose fields lie far past the end of struct
// xdp_md, and must never be stored in it.
// expect: storing tc_target in jmp fails with MapProgArrayMismatch;
// storing xdp_target works and xdp_caller then returns 7
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
  __uint(max_entries, 2);
} jmp SEC(".maps");

// Reads and writes __sk_buff fields: run on an xdp_md these would be host heap.
SEC("tc") int tc_target(struct __sk_buff *skb) {
  skb->cb[4] = 0x41414141;
  return skb->hash + skb->cb[0];
}

SEC("xdp") int xdp_target(struct xdp_md *ctx) { return 7; }

SEC("xdp") int xdp_caller(struct xdp_md *ctx) {
  bpf_tail_call(ctx, &jmp, 0);
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
