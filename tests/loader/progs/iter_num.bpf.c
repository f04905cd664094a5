// SPDX-License-Identifier: Apache-2.0
// Open-coded number iterator (bpf_iter_num_new/next/destroy) summing 1..5.
// expect: retval 15
#include "decade_bpf.h"

SEC("syscall") int iter_num(void *ctx) {
  int i, sum = 0;
  bpf_for(i, 1, 6) sum += i;
  return sum;
}

char LICENSE[] SEC("license") = "GPL";
