// SPDX-License-Identifier: Apache-2.0
// The 32 KiB guard on each side of an arena's pages: loads there read
// zero, as the kernel's fault fixup gives; one byte further is outside
// the arena (tests/api/arena_globals_test.cpp).
#include "decade_bpf.h"

#define PAGES 8
#define GUARD (32 * 1024)

struct {
  __uint(type, BPF_MAP_TYPE_ARENA);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, PAGES);
} arena SEC(".maps");

// The arena's first page (each program frees what it took, so every run
// gets the same page); the pointer stays usable for arithmetic.
static char __arena *first_page(void) {
  char __arena *p = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
  if (p) bpf_arena_free_pages(&arena, p, 1);
  return p;
}

// Lowest and highest 8 bytes of the guards: 0 + 0 + 7 (the page's value).
SEC("syscall") long guard_edges(void *ctx) {
  char __arena *p = first_page();
  if (!p) return -1;
  *(volatile long __arena *)(p + 4096) = 7;  // a page never allocated keeps what is stored
  long below = *(volatile long __arena *)(p - GUARD);
  long above = *(volatile long __arena *)(p + PAGES * 4096 + GUARD - 8);
  return below + above + *(volatile long __arena *)(p + 4096);
}

SEC("syscall") long below_guard(void *ctx) {
  char __arena *p = first_page();
  if (!p) return -1;
  return *(volatile char __arena *)(p - GUARD - 1);
}

SEC("syscall") long above_guard(void *ctx) {
  char __arena *p = first_page();
  if (!p) return -1;
  return *(volatile char __arena *)(p + PAGES * 4096 + GUARD);
}

char LICENSE[] SEC("license") = "GPL";
