// SPDX-License-Identifier: Apache-2.0
// Maps that outlive a run: `runs` (an array pinned by name) counts the runs
// of every process that loads this object with the same pin directory;
// `refused` is a pinned hash map, which Decade refuses (MapBadType).
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} runs SEC(".maps");

// Element 0 counts every run; element 1 holds the last packet length.
SEC("xdp") int count_runs(struct xdp_md *ctx) {
  __u32 k = 0;
  __u64 *v = bpf_map_lookup_elem(&runs, &k);
  if (!v) return 0;
  __sync_fetch_and_add(v, 1);
  k = 1;
  v = bpf_map_lookup_elem(&runs, &k);
  if (v) *v = ctx->data_end - ctx->data;
  return 2;
}

char _license[] SEC("license") = "GPL";
