// SPDX-License-Identifier: Apache-2.0
// Per-CPU counters bumped without atomics (issue 11, point 10): correct only
// while no two runs share a CPU slot, whatever the number of host threads.
// `hits` counts, atomically, the runs that bpf_get_smp_processor_id placed
// on each CPU; each CPU's per-CPU values must equal its hits.
// expect: for every CPU c, counts[c] == hash_counts[c] == hits[c]; the sum is
// the number of runs times BUMPS
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} hash_counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 4096);
} hits SEC(".maps");

#define BUMPS 256  // increments per run and map: long windows for a shared slot to lose some

SEC("syscall") int count(void *ctx) {
  __u32 zero = 0, cpu = bpf_get_smp_processor_id();
  volatile __u64 *v = bpf_map_lookup_elem(&counts, &zero);
  if (!v) return 1;
  volatile __u64 *h = bpf_map_lookup_elem(&hash_counts, &zero);
  if (!h) return 2;
  for (int i = 0; i < BUMPS; i++) {
    *v = *v + 1;  // plain read-modify-writes: per-CPU values need no atomics
    *h = *h + 1;
  }
  __u64 *n = bpf_map_lookup_elem(&hits, &cpu);
  if (!n) return 3;
  __sync_fetch_and_add(n, BUMPS);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
