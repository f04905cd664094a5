// SPDX-License-Identifier: Apache-2.0
// Two bpf_res_spin_locks taken in opposite orders by `ab` and `ba` (ABBA),
// and one lock taken twice by `aa` through two lookups of the same key (the
// verifier cannot tell the values apart; the runtime finds the AA deadlock).
// Every program returns 0 after bumping both counts under both locks, else
// the positive errno of the lock call that failed (+200 for the first call).
// expect: pair[0].count == pair[1].count == the runs that returned 0
#include "decade_bpf.h"

struct elem {
  struct bpf_res_spin_lock lock;
  __u32 pad;
  __u64 count;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, struct elem);
  __uint(max_entries, 2);
} pair SEC(".maps");

static __always_inline int take_both(__u32 first, __u32 second) {
  struct elem *a = bpf_map_lookup_elem(&pair, &first), *b = bpf_map_lookup_elem(&pair, &second);
  int r, i;
  if (!a || !b) return 1000;
  r = bpf_res_spin_lock(&a->lock);
  if (r) return 200 - r;
  // Hold the first lock a while, so the other order takes its own first.
  bpf_for(i, 0, 32) a->pad += i;
  r = bpf_res_spin_lock(&b->lock);
  if (r) {
    bpf_res_spin_unlock(&a->lock);
    return -r;
  }
  a->count++;
  b->count++;
  bpf_res_spin_unlock(&b->lock);
  bpf_res_spin_unlock(&a->lock);
  return 0;
}

SEC("syscall") int ab(void *ctx) { return take_both(0, 1); }
SEC("syscall") int ba(void *ctx) { return take_both(1, 0); }
SEC("syscall") int aa(void *ctx) { return take_both(0, 0); }

char LICENSE[] SEC("license") = "GPL";
