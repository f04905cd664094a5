// SPDX-License-Identifier: Apache-2.0
// A tc program put in an XDP program's prog_array by a static initialiser
// (issue 11, point 2): libbpf would fill the slot after load, and so does
// Decade, which must refuse it as the kernel does.
// expect: load fails with MapProgArrayMismatch
#include "decade_bpf.h"

SEC("tc") int tc_target(struct __sk_buff *skb) {
  skb->cb[4] = 0x41414141;
  return skb->hash;
}

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
  __uint(max_entries, 2);
  __array(values, int(void *));
} jmp SEC(".maps") = {
    .values = {[0] = (void *)&tc_target},
};

SEC("xdp") int xdp_caller(struct xdp_md *ctx) {
  bpf_tail_call(ctx, &jmp, 0);
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
