// SPDX-License-Identifier: Apache-2.0
// Maps of types Decade lacks fail only the programs that use them
// (tests/api/unsupported_maps_test.cpp): `plain` loads and runs alone.
#include "decade_bpf.h"

#define BPF_MAP_TYPE_CGRP_STORAGE_NR 32  // the system header may predate it

struct {
  __uint(type, BPF_MAP_TYPE_CGRP_STORAGE_NR);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, __u64);
} cgroups SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_USER_RINGBUF);
  __uint(max_entries, 4096);
} ring SEC(".maps");

SEC("xdp") int plain(struct xdp_md *ctx) { return XDP_PASS; }

SEC("xdp") int uses_cgrp_storage(struct xdp_md *ctx) {
  __u64 k = 0;
  return bpf_map_lookup_elem(&cgroups, &k) ? XDP_DROP : XDP_PASS;
}

SEC("xdp") int uses_user_ringbuf(struct xdp_md *ctx) {
  __u32 k = 0;
  return bpf_map_lookup_elem(&ring, &k) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
