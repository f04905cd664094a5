// SPDX-License-Identifier: Apache-2.0
// Hash maps that outlive a run (docs/embedding.md, "Pinned maps"): each
// map, pinned by name, counts the runs per packet length, so every process
// that loads this object with the same pin directory adds to the same
// elements. Inserts use BPF_NOEXIST, then an atomic add on the element
// found, so concurrent processes lose no count; per-CPU values are added
// atomically too, since processes share CPU slots.
#include "decade_bpf.h"

#define PINNED_HASH(name, kind, entries)   \
  struct {                                 \
    __uint(type, kind);                    \
    __uint(max_entries, entries);          \
    __type(key, __u32);                    \
    __type(value, __u64);                  \
    __uint(pinning, LIBBPF_PIN_BY_NAME);   \
  } name SEC(".maps")

PINNED_HASH(flows, BPF_MAP_TYPE_HASH, 64);
PINNED_HASH(recent, BPF_MAP_TYPE_LRU_HASH, 4);
PINNED_HASH(pcpu, BPF_MAP_TYPE_PERCPU_HASH, 64);
PINNED_HASH(lru_pcpu, BPF_MAP_TYPE_LRU_PERCPU_HASH, 4);
PINNED_HASH(pcpu_arr, BPF_MAP_TYPE_PERCPU_ARRAY, 128);

static __always_inline void count(void *map, __u32 *key) {
  __u64 zero = 0, *v = bpf_map_lookup_elem(map, key);
  if (!v) {
    bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
    v = bpf_map_lookup_elem(map, key);
  }
  if (v) __sync_fetch_and_add(v, 1);
}

SEC("xdp") int count_lengths(struct xdp_md *ctx) {
  __u32 len = ctx->data_end - ctx->data;
  count(&flows, &len);
  count(&recent, &len);
  count(&pcpu, &len);
  count(&lru_pcpu, &len);
  count(&pcpu_arr, &len);
  return 2;
}

char _license[] SEC("license") = "GPL";
