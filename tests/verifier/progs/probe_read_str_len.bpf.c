// SPDX-License-Identifier: Apache-2.0
// verifier: accept
// bpf_probe_read_kernel_str returns the bytes it wrote (at most its size
// argument) or a negative errno, so a positive result indexes the buffer.
#include "decade_bpf.h"

char last[64];

SEC("uprobe") int probe_read_str_len(__u64 *regs) {
  long n = bpf_probe_read_kernel_str(last, sizeof(last), (const void *)regs[0]);
  if (n <= 0) return 0;
  last[n - 1] = 1;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
