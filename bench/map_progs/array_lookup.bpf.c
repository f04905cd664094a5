// SPDX-License-Identifier: Apache-2.0
// bench_maps' in-program array lookup: kLookups bpf_map_lookup_elem calls on
// a 1024-entry array in a bounded loop. Under the JIT each lookup is inlined
// (index check and address computation, no call), the path the kernel's
// 0.4 ns figure describes; ns per lookup = run time / kLookups.
#include "decade_bpf.h"

#define kLookups 4096

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1024);
} arr SEC(".maps");

SEC("syscall") int array_lookups(void *ctx) {
  __u64 sum = 0;
  for (__u32 i = 0; i < kLookups; i++) {
    __u32 k = i & 1023;
    __u64 *v = bpf_map_lookup_elem(&arr, &k);
    if (v) sum += *v;
  }
  return sum;
}

// The same loop without the lookup (the key still goes through the stack, and
// every iteration adds one), so bench_maps can report the loop's own cost and
// the lookup's as the difference.
SEC("syscall") int loop_baseline(void *ctx) {
  __u64 sum = 0;
  for (__u32 i = 0; i < kLookups; i++) {
    volatile __u32 k = i & 1023;
    sum += k < 1024;
  }
  return sum;
}

char LICENSE[] SEC("license") = "GPL";
