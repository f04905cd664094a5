// SPDX-License-Identifier: Apache-2.0
// A hash map whose value holds a struct bpf_res_spin_lock at offset 8.
// expect: retval 1 (the counter after one locked increment)
#include "decade_bpf.h"

struct counter {
  __u64 hits;
  struct bpf_res_spin_lock lock;
  __u32 pad;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, struct counter);
  __uint(max_entries, 4);
} counters SEC(".maps");

SEC("syscall") int res_lock(void *ctx) {
  __u32 k = 0;
  struct counter zero = {};
  bpf_map_update_elem(&counters, &k, &zero, BPF_NOEXIST);
  struct counter *c = bpf_map_lookup_elem(&counters, &k);
  if (!c) return 0;
  if (bpf_res_spin_lock(&c->lock)) return -1;
  c->hits++;
  bpf_res_spin_unlock(&c->lock);
  return (int)c->hits;
}

char LICENSE[] SEC("license") = "GPL";
