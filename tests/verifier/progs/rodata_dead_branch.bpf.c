// SPDX-License-Identifier: Apache-2.0
// verifier: accept
// A .rodata flag the loader freezes: the branch it disables is never taken,
// so the unsafe access inside is never explored.
#include "decade_bpf.h"

const volatile int unsafe_mode = 0;

SEC("syscall") int rodata_dead_branch(void *ctx) {
  char buf[8] = {};
  if (unsafe_mode) {
    volatile char *p = (char *)0;
    return *p;
  }
  return buf[3];
}

char LICENSE[] SEC("license") = "GPL";
