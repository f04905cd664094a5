// SPDX-License-Identifier: Apache-2.0
// Two programs of different types that both refer to one prog_array (issue
// 11, point 2): the first loaded owns it, the second is refused at load, as
// the kernel refuses it at BPF_PROG_LOAD.
// expect: load fails with MapProgArrayMismatch at tc_caller's map reference
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
  __uint(max_entries, 2);
} jmp SEC(".maps");

SEC("xdp") int xdp_caller(struct xdp_md *ctx) {
  bpf_tail_call(ctx, &jmp, 0);
  return 1;
}

SEC("tc") int tc_caller(struct __sk_buff *skb) {
  bpf_tail_call(skb, &jmp, 0);
  return 2;
}

char LICENSE[] SEC("license") = "GPL";
