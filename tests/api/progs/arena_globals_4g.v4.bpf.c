// SPDX-License-Identifier: Apache-2.0
// An __arena global in a 4 GiB arena: the arena starts at its 4 GiB
// window, so the global's page has low 32 bits 0, and the cast to a host
// pointer must still reach it, as in the kernel
// (tests/api/arena_globals_test.cpp).
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARENA);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 1u << 20);  // 4 GiB of pages
} arena SEC(".maps");

long __arena first = 41;

SEC("syscall") long read_first(void *ctx) {
  first++;
  return first;
}

char LICENSE[] SEC("license") = "GPL";
