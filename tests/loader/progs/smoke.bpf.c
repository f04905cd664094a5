// SPDX-License-Identifier: Apache-2.0
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __type(key, __u32); __type(value, __u64); __uint(max_entries, 4);} m SEC(".maps");
SEC("xdp") int f(struct xdp_md *ctx) { __u32 k=0; __u64 *v = bpf_map_lookup_elem(&m,&k); if (v) (*v)++; return XDP_PASS; }
char LICENSE[] SEC("license") = "GPL";
