// SPDX-License-Identifier: Apache-2.0
// Programs bench_uprobe attaches to its target function (bench/uprobe_bench.cpp).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u64);
} calls SEC(".maps");

SEC("uprobe") int empty(void *ctx) { return 0; }

// One hash lookup and an in-place add (or an insert on the first hit).
SEC("uprobe") int hash_update(void *ctx) {
  __u32 k = 1;
  __u64 *v = bpf_map_lookup_elem(&calls, &k);
  if (v) {
    __sync_fetch_and_add(v, 1);
  } else {
    __u64 one = 1;
    bpf_map_update_elem(&calls, &k, &one, BPF_ANY);
  }
  return 0;
}

SEC("uretprobe") int ret_empty(void *ctx) { return 0; }

char LICENSE[] SEC("license") = "GPL";
