// SPDX-License-Identifier: Apache-2.0
// bpf_printk with more than three arguments: libbpf's macro calls
// bpf_trace_vprintk (helper 177) with the arguments in a u64 array.
// expect: retval the bytes formatted, 13; the trace line "a 1 -2 3c 4 5"
#include "decade_bpf.h"

SEC("syscall") int printk_many(void *ctx) {
  long n = bpf_printk("a %d %d %x %u %d", 1, -2, 0x3c, 4, 5);
  return (int)n;
}

char _license[] SEC("license") = "GPL";
