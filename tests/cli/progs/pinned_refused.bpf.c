// SPDX-License-Identifier: Apache-2.0
// A map type that cannot be pinned (an LPM trie, whose nodes are process
// memory): refused with MapBadType naming the type (docs/embedding.md,
// "Pinned maps").
#include "decade_bpf.h"

struct lpm_key {
  __u32 prefixlen;
  __u32 addr;
};

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 4);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct lpm_key);
  __type(value, __u64);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} routes SEC(".maps");

SEC("xdp") int route(struct xdp_md *ctx) {
  struct lpm_key k = {32, ctx->data_end - ctx->data};
  __u64 *v = bpf_map_lookup_elem(&routes, &k);
  return v ? 1 : 2;
}

char _license[] SEC("license") = "GPL";
