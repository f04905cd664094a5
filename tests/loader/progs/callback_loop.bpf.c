// SPDX-License-Identifier: Apache-2.0
// bpf_loop with a static callback summing 0..9.
// expect: retval 45
#include "decade_bpf.h"

static int add_index(__u32 i, void *ctx) {
  *(__u64 *)ctx += i;
  return 0;
}

SEC("syscall") int callback_loop(void *ctx) {
  __u64 sum = 0;
  bpf_loop(10, add_index, &sum, 0);
  return (int)sum;
}

char LICENSE[] SEC("license") = "GPL";
