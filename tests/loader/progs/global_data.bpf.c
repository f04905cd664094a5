// SPDX-License-Identifier: Apache-2.0
// Global data in .data, .bss, .rodata, .rodata.str1.1 and a custom .data.stats.
// expect: retval 42 (limit 40 from .rodata + bias 2 from .data; the .rodata.str1.1 string matches); afterwards
// counter (.bss) == 1, stats.hits (.data.stats) == 11, bias (.data) == 3
#include "decade_bpf.h"

const volatile int limit = 40;   // .rodata (frozen: the verifier may fold it)
int bias = 2;                    // .data
__u64 counter;                   // .bss
struct {
  __u32 hits;
  __u32 pad;
} stats SEC(".data.stats") = {10, 0};

static __noinline int greet(void) {
  static const char msg[] = "global data %d";  // may land in .rodata.str1.1 or .rodata
  return bpf_trace_printk(msg, sizeof(msg), limit);
}

SEC("syscall") int global_data(void *ctx) {
  char word[8] = "decade";
  // The literal lands in .rodata.str1.1 (mergeable strings), a frozen map too.
  int r = limit + bias + (bpf_strncmp(word, 7, "decade") ? 100 : 0);
  counter++;
  stats.hits++;
  bias++;
  greet();
  return r;
}

char LICENSE[] SEC("license") = "GPL";
