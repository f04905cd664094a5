// SPDX-License-Identifier: Apache-2.0
// Arena: allocate one page, write through an arena pointer, read it back.
// expect: retval 42
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARENA);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 4);  // pages
} arena SEC(".maps");

SEC("syscall") int arena_rw(void *ctx) {
  int __arena *p = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
  if (!p) return 1;
  p[0] = 40;
  p[1] = 2;
  int r = p[0] + p[1];
  bpf_arena_free_pages(&arena, (void __arena *)p, 1);
  return r;
}

char LICENSE[] SEC("license") = "GPL";
