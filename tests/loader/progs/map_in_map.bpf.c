// SPDX-License-Identifier: Apache-2.0
// array_of_maps and hash_of_maps whose slots hold `inner_a` statically.
// expect: retval 5 (inner_a[0] written as 5 through slot 1 of the outer array and read back; outer_hash is empty)
#include "decade_bpf.h"

struct inner {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 1);
} inner_a SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 2);
  __type(key, __u32);
  __array(values, struct inner);
} outer_arr SEC(".maps") = {
    .values = {[1] = &inner_a},
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
  __uint(max_entries, 2);
  __type(key, __u32);
  __array(values, struct inner);
} outer_hash SEC(".maps");

SEC("syscall") int map_in_map(void *ctx) {
  __u32 k = 1, zero = 0, five = 5;
  void *m = bpf_map_lookup_elem(&outer_arr, &k);
  if (!m) return 1;
  bpf_map_update_elem(m, &zero, &five, BPF_ANY);
  __u32 *v = bpf_map_lookup_elem(m, &zero);
  if (!v) return 2;
  // outer_hash starts empty: a hit would be a bug.
  return bpf_map_lookup_elem(&outer_hash, &k) ? 3 : *v;
}

char LICENSE[] SEC("license") = "GPL";
