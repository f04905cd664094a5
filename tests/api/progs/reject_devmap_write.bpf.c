// SPDX-License-Identifier: Apache-2.0
// A program may read a devmap entry but never write it: the host owns the
// redirect targets (the kernel forces BPF_F_RDONLY_PROG on devmaps).
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 4);
} ports SEC(".maps");

SEC("xdp") int write_devmap(struct xdp_md *ctx) {
  __u32 key = 0;
  __u32 *v = bpf_map_lookup_elem(&ports, &key);
  if (v) *v = 99;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
