// SPDX-License-Identifier: Apache-2.0
// An atomic add on an arena address two bytes into a page. The verifier
// cannot know an arena pointer's alignment, so it accepts the program; each
// engine must stop the run with ExecMisaligned instead of issuing a locked
// instruction that may split across cache lines.
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARENA);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 1);  // pages
} arena SEC(".maps");

SEC("syscall") int misaligned_arena_atomic(void *ctx) {
  char __arena *p = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
  if (!p) return 1;
  volatile int off = 2;
  int __arena *q = (int __arena *)(p + off);
  __sync_fetch_and_add(q, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
