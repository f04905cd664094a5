// SPDX-License-Identifier: Apache-2.0
// bpf_tail_call's index is a u32, as in the kernel: an index of
// 0x100000000 reaches slot 0 (the kernel's verifier selftest
// runtime/jit: pass > 32bit index to tail_call).
// expect: retval 42 (from callee_w; 1 would mean the tail call fell through)
#include "decade_bpf.h"

SEC("syscall") int callee_w(void *ctx) { return 42; }

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 2);
  __uint(key_size, sizeof(int));
  __array(values, int(void *));
} jmp_w SEC(".maps") = {
    .values = {[0] = (void *)&callee_w},
};

SEC("syscall") __attribute__((naked)) int tail_call_wide_index(void *ctx) {
  asm volatile("r2 = %[jmp] ll\n"
               "r3 = 0x100000000 ll\n"
               "call 12\n"
               "r0 = 1\n"
               "exit\n" ::[jmp] "i"(&jmp_w)
               : "memory");
}

char LICENSE[] SEC("license") = "GPL";
