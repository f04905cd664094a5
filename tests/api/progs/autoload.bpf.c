// SPDX-License-Identifier: Apache-2.0
// Programs that fail in every way but one, beside one that works: a section
// no program type claims, a rejected program, a "?sec" program (not loaded
// unless asked), and a dead write to r10. Per-program verdicts and
// set_autoload (tests/api/autoload_test.cpp, tests/cli) load `good` alone.
#include "decade_bpf.h"

SEC("syscall") int good(void *ctx) { return 7; }

SEC("no_such_type/foo") int lost(void *ctx) { return 0; }

SEC("syscall") __attribute__((naked)) int rejected(void *ctx) {
  asm volatile("r0 = r5; exit;");  // a register never written: refused with or without privileges
}

SEC("?syscall") int optional(void *ctx) { return 3; }

// r10 is never written: the branch to it is never taken (the verifier
// knows r0 is 0), so the kernel accepts the program, and Decade must too.
SEC("syscall") __attribute__((naked)) int dead_fp_write(void *ctx) {
  asm volatile("r0 = 0; if r0 == 0 goto l0_%=; r10 = 0; l0_%=: r0 = 5; exit;" ::: "r0");
}

char LICENSE[] SEC("license") = "GPL";
