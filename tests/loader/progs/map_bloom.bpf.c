// SPDX-License-Identifier: Apache-2.0
// Bloom filter with 3 hash functions: 7 is present after push, so peek finds it.
// expect: retval 1
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
  __type(value, __u32);
  __uint(max_entries, 64);
  __uint(map_extra, 3);
} bloom SEC(".maps");

SEC("syscall") int map_bloom(void *ctx) {
  __u32 v = 7;
  bpf_map_push_elem(&bloom, &v, 0);
  return bpf_map_peek_elem(&bloom, &v) == 0;
}

char LICENSE[] SEC("license") = "GPL";
