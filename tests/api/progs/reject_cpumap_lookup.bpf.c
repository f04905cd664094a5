// SPDX-License-Identifier: Apache-2.0
// cpumap entries are reached only through bpf_redirect_map, as in the kernel.
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_CPUMAP);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 4);
} cpus SEC(".maps");

SEC("xdp") int lookup_cpumap(struct xdp_md *ctx) {
  __u32 key = 0;
  return bpf_map_lookup_elem(&cpus, &key) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
