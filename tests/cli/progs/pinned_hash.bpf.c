// SPDX-License-Identifier: Apache-2.0
// A hash map pinned by name: refused with MapBadType naming the type, as
// Decade pins array maps only (docs/embedding.md, "Pinned maps").
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} seen SEC(".maps");

SEC("xdp") int remember(struct xdp_md *ctx) {
  __u32 k = 1;
  __u64 v = ctx->data_end - ctx->data;
  bpf_map_update_elem(&seen, &k, &v, 0);
  return 2;
}

char _license[] SEC("license") = "GPL";
