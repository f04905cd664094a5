// SPDX-License-Identifier: Apache-2.0
// verifier: accept
// Two bpf_res_spin_locks held at once, each call's result tested, released
// newest first (the kernel accepts this shape too).
#include "decade_bpf.h"

struct elem {
  struct bpf_res_spin_lock lock;
  __u64 count;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, struct elem);
  __uint(max_entries, 2);
} pair SEC(".maps");

SEC("tc") int two_locks(struct __sk_buff *ctx) {
  __u32 k0 = 0, k1 = 1;
  struct elem *a = bpf_map_lookup_elem(&pair, &k0), *b = bpf_map_lookup_elem(&pair, &k1);
  if (!a || !b) return 0;
  if (bpf_res_spin_lock(&a->lock)) return 1;
  if (bpf_res_spin_lock(&b->lock)) {
    bpf_res_spin_unlock(&a->lock);
    return 1;
  }
  a->count++;
  b->count++;
  bpf_res_spin_unlock(&b->lock);
  bpf_res_spin_unlock(&a->lock);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
