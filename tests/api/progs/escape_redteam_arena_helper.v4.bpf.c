// SPDX-License-Identifier: Apache-2.0
// Arena memory handed to a helper: the engines check arena loads and
// stores, but not a helper's writes, and bpf_get_current_comm wrote 16
// bytes about 1 GiB past the arena page (the host segfaulted).
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARENA);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 4);  // pages
} arena SEC(".maps");

SEC("syscall") int arena_helper(unsigned long *ctx) {
  char __arena *p = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
  if (!p) return 1;
  // Four bounded steps of up to 256 MiB each, from the context.
  char __arena *q = p + (*(volatile unsigned long *)ctx & 0xfffffff);
  q += *(volatile unsigned long *)ctx & 0xfffffff;
  q += *(volatile unsigned long *)ctx & 0xfffffff;
  q += *(volatile unsigned long *)ctx & 0xfffffff;
  bpf_get_current_comm((void *)q, 16); /* REJECT */
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
