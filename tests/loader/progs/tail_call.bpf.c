// SPDX-License-Identifier: Apache-2.0
// Tail call through a prog_array whose slot 0 is filled statically with `callee`.
// expect: retval 42 (from callee; 1 would mean the tail call failed)
#include "decade_bpf.h"

SEC("syscall") int callee(void *ctx) { return 42; }

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
  __uint(max_entries, 2);
  __array(values, int(void *));
} jmp SEC(".maps") = {
    .values = {[0] = (void *)&callee},
};

SEC("syscall") int tail_call(void *ctx) {
  bpf_tail_call(ctx, &jmp, 0);
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
