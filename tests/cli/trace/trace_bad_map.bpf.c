// SPDX-License-Identifier: Apache-2.0
// `decade trace` refuses a map it cannot share with the target (a queue:
// its elements are not in shared memory), naming it (MapBadType).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_QUEUE);
  __uint(max_entries, 16);
  __type(value, __u32);
} pending SEC(".maps");

SEC("uprobe/trace_target:traced_add")
int on_entry(void *ctx) {
  __u32 v = 1;
  bpf_map_push_elem(&pending, &v, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
