// SPDX-License-Identifier: Apache-2.0
// verifier: reject VerifierLock
// The lock call's result is ignored: where it failed, the unlock releases a
// lock the program does not hold (the kernel: "without taking a lock").
#include "decade_bpf.h"

struct elem {
  struct bpf_res_spin_lock lock;
  __u64 count;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, struct elem);
  __uint(max_entries, 1);
} one SEC(".maps");

SEC("tc") int unchecked(struct __sk_buff *ctx) {
  __u32 k = 0;
  struct elem *a = bpf_map_lookup_elem(&one, &k);
  if (!a) return 0;
  bpf_res_spin_lock(&a->lock);
  a->count++;
  bpf_res_spin_unlock(&a->lock); /* REJECT */
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
