// SPDX-License-Identifier: Apache-2.0
// The four hash families: insert into each, read each back, sum.
// expect: retval 10
#include "decade_bpf.h"

#define HASH_MAP(name, kind)                 \
  struct {                                   \
    __uint(type, kind);                      \
    __type(key, __u32);                      \
    __type(value, __u32);                    \
    __uint(max_entries, 16);                 \
  } name SEC(".maps")

HASH_MAP(h, BPF_MAP_TYPE_HASH);
HASH_MAP(ph, BPF_MAP_TYPE_PERCPU_HASH);
HASH_MAP(lru, BPF_MAP_TYPE_LRU_HASH);
HASH_MAP(plru, BPF_MAP_TYPE_LRU_PERCPU_HASH);

static __u32 put_get(void *map, __u32 key, __u32 val) {
  if (bpf_map_update_elem(map, &key, &val, BPF_NOEXIST)) return 100;
  __u32 *p = bpf_map_lookup_elem(map, &key);
  return p ? *p : 1000;
}

SEC("syscall") int map_hash(void *ctx) {
  return put_get(&h, 1, 1) + put_get(&ph, 2, 2) + put_get(&lru, 3, 3) + put_get(&plru, 4, 4);
}

char LICENSE[] SEC("license") = "GPL";
