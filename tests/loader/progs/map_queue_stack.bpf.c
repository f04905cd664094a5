// SPDX-License-Identifier: Apache-2.0
// Queue (FIFO) and stack (LIFO): push 1, 2 into each; pop one from each.
// expect: retval 12 (queue pops 1, stack pops 2: 1 * 10 + 2)
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_QUEUE);
  __uint(value_size, 4);
  __uint(max_entries, 4);
} q SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_STACK);
  __uint(value_size, 4);
  __uint(max_entries, 4);
} st SEC(".maps");

SEC("syscall") int map_queue_stack(void *ctx) {
  // The pushed value is a copy: the loop counter itself must not be
  // address-taken, or the helper call makes it unknown to the verifier.
  for (__u32 i = 1; i <= 2; i++) {
    __u32 v = i;
    bpf_map_push_elem(&q, &v, 0);
    bpf_map_push_elem(&st, &v, 0);
  }
  __u32 a = 0, b = 0;
  bpf_map_pop_elem(&q, &a);
  bpf_map_pop_elem(&st, &b);
  return a * 10 + b;
}

char LICENSE[] SEC("license") = "GPL";
