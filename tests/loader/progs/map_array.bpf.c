// SPDX-License-Identifier: Apache-2.0
// Array and per-CPU array maps: store, read back, add.
// expect: retval 42
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 8);
} arr SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
  __uint(max_entries, 2);
} pcpu SEC(".maps");

SEC("syscall") int map_array(void *ctx) {
  __u32 k = 3;
  __u64 v = 40;
  if (bpf_map_update_elem(&arr, &k, &v, BPF_ANY)) return 1;
  __u64 *got = bpf_map_lookup_elem(&arr, &k);
  if (!got) return 2;
  __u32 k1 = 1;
  __u32 *c = bpf_map_lookup_elem(&pcpu, &k1);
  if (!c) return 3;
  *c += 2;
  return (int)(*got + *c);
}

char LICENSE[] SEC("license") = "GPL";
