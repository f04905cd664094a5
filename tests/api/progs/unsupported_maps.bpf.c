// SPDX-License-Identifier: Apache-2.0
// Maps of types Decade lacks fail only the programs that use them
// (tests/api/unsupported_maps_test.cpp): `plain` loads and runs alone.
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 4);
} cgroups SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_STACK_TRACE);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, 127 * sizeof(__u64));
  __uint(max_entries, 16);
} stacks SEC(".maps");

SEC("xdp") int plain(struct xdp_md *ctx) { return XDP_PASS; }

SEC("xdp") int uses_cgroup_array(struct xdp_md *ctx) {
  __u32 k = 0;
  return bpf_map_lookup_elem(&cgroups, &k) ? XDP_DROP : XDP_PASS;
}

SEC("xdp") int uses_stack(struct xdp_md *ctx) {
  __u32 k = 0;
  return bpf_map_lookup_elem(&stacks, &k) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
