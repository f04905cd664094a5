// SPDX-License-Identifier: Apache-2.0
// __arena global variables (clang's `.addr_space.1`): libbpf of Linux 6.12
// places them at the arena's start, in pages that count as allocated
// (tests/api/arena_globals_test.cpp).
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARENA);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 8);  // pages
} arena SEC(".maps");

int __arena counter = 5;
int __arena table[1100];  // with counter, two pages of globals

// Returns the counter after adding one: 6, 7, ... over runs.
SEC("syscall") int bump(void *ctx) {
  counter++;
  table[1099] = counter * 10;
  return counter;
}

SEC("syscall") int last_entry(void *ctx) { return table[1099]; }

// The first page the program allocates comes after the globals: returns
// its page index in the arena.
SEC("syscall") int first_free_page(void *ctx) {
  char __arena *p = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
  if (!p) return -1;
  return (int)(((unsigned long)p - (unsigned long)&counter) / 4096);
}

char LICENSE[] SEC("license") = "GPL";
