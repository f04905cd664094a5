// SPDX-License-Identifier: Apache-2.0
// bench_maps' in-program map operations, one object loaded both by Decade
// (JIT) and by the kernel (libbpf, BPF_PROG_TEST_RUN), so the two are
// measured doing exactly the same thing: each run makes kOps helper calls
// (bpf_map_lookup_elem or bpf_map_update_elem) on a map of 1024 keys with
// 8-byte values. The packet says which keys: key = base + ((offset + i) &
// mask), so two threads can walk the same keys from different places
// (base 0, mask 1023, offsets 17 apart) or disjoint halves (base 0 and 512,
// mask 511).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define kKeys 1024
#define kOps 1024

struct walk {
  __u32 base, offset, mask;
};

#define MAP(NAME, TYPE)                \
  struct {                             \
    __uint(type, TYPE);                \
    __type(key, __u32);                \
    __type(value, __u64);              \
    __uint(max_entries, kKeys);        \
  } NAME SEC(".maps")

MAP(hash, BPF_MAP_TYPE_HASH);
MAP(percpu_hash, BPF_MAP_TYPE_PERCPU_HASH);
MAP(lru_hash, BPF_MAP_TYPE_LRU_HASH);
MAP(lru_percpu_hash, BPF_MAP_TYPE_LRU_PERCPU_HASH);
MAP(array, BPF_MAP_TYPE_ARRAY);
MAP(percpu_array, BPF_MAP_TYPE_PERCPU_ARRAY);

static __always_inline int read_walk(struct xdp_md *ctx, struct walk *w) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  if (data + sizeof(*w) > end) return 0;
  __builtin_memcpy(w, data, sizeof(*w));
  return 1;
}

// Returns the sum of the values found, so the lookups are not dead code.
#define LOOKUPS(NAME)                                         \
  SEC("xdp") int NAME##_lookup(struct xdp_md *ctx) {          \
    struct walk w;                                            \
    __u64 sum = 0;                                            \
    if (!read_walk(ctx, &w)) return XDP_ABORTED;              \
    for (__u32 i = 0; i < kOps; i++) {                        \
      __u32 key = w.base + ((w.offset + i) & w.mask);         \
      __u64 *v = bpf_map_lookup_elem(&NAME, &key);            \
      if (v) sum += *v;                                       \
    }                                                         \
    return sum;                                               \
  }

// Writes 1, the value the maps are filled with. Returns the number of
// failed updates (0 expected).
#define UPDATES(NAME)                                         \
  SEC("xdp") int NAME##_update(struct xdp_md *ctx) {          \
    struct walk w;                                            \
    int failed = 0;                                           \
    if (!read_walk(ctx, &w)) return XDP_ABORTED;              \
    for (__u32 i = 0; i < kOps; i++) {                        \
      __u32 key = w.base + ((w.offset + i) & w.mask);         \
      __u64 value = 1;                                        \
      failed += bpf_map_update_elem(&NAME, &key, &value, BPF_ANY) != 0; \
    }                                                         \
    return failed;                                            \
  }

LOOKUPS(hash)
LOOKUPS(array)
LOOKUPS(lru_hash)
LOOKUPS(percpu_hash)
UPDATES(hash)
UPDATES(percpu_hash)
UPDATES(lru_hash)
UPDATES(lru_percpu_hash)
UPDATES(array)
UPDATES(percpu_array)

char LICENSE[] SEC("license") = "GPL";
