// SPDX-License-Identifier: Apache-2.0
// A prog_array declared as the kernel's selftests declare theirs: no
// value_size, only __array(values, ...), from which libbpf takes a 4-byte
// value (a program id). Slot 0 is filled statically with `callee_v`.
// expect: retval 42 (from callee_v; 1 would mean the tail call failed)
#include "decade_bpf.h"

SEC("syscall") int callee_v(void *ctx) { return 42; }

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 2);
  __uint(key_size, sizeof(int));
  __array(values, int(void *));
} jmp_v SEC(".maps") = {
    .values = {[0] = (void *)&callee_v},
};

SEC("syscall") int tail_call_values(void *ctx) {
  bpf_tail_call(ctx, &jmp_v, 0);
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
