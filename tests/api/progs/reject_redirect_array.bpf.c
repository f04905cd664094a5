// SPDX-License-Identifier: Apache-2.0
// bpf_redirect_map takes only devmap, devmap_hash, cpumap and xskmap.
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 4);
} plain SEC(".maps");

SEC("xdp") int redirect_array(struct xdp_md *ctx) { return bpf_redirect_map(&plain, 0, 0); }

char LICENSE[] SEC("license") = "GPL";
