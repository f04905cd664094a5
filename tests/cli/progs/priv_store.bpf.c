// SPDX-License-Identifier: Apache-2.0
// A program only root's rules accept: it stores a pointer into a map value
// (the kernel's "leaks addr into map" for unprivileged users).
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} slot SEC(".maps");

SEC("xdp") int priv_store(struct xdp_md *ctx) {
  __u32 k = 0;
  __u64 *v = bpf_map_lookup_elem(&slot, &k);
  if (!v) return 0;
  *v = (__u64)v;
  return 2;
}

char LICENSE[] SEC("license") = "GPL";
