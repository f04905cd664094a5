// SPDX-License-Identifier: Apache-2.0
// CO-RE through a flexible array member, as bcc's runqlat reads
// pid->numbers[pid->level]: `&l->items[n]` with a variable n relocates the
// offset of `items` (whose type, `struct host_item[]`, has size 0) and adds
// n * sizeof(struct host_item). hosts/host_flex.bpf.c is the host's layout.
// It reads through bpf_probe_read_kernel: a tracing program (the list at
// the traced call's first argument).
#include "decade_bpf.h"
#include <bpf/bpf_core_read.h>

struct host_item {
  int key;
  int value;
} __attribute__((preserve_access_index));

struct host_list {
  unsigned int count;
  struct host_item items[];
} __attribute__((preserve_access_index));

SEC("uprobe") int core_flex(__u64 *regs) {
  struct host_list *l = (void *)regs[14]; /* pt_regs.di */
  unsigned int n = BPF_CORE_READ(l, count);
  struct host_item item = {};
  if (n > 16) return -1;
  bpf_core_read(&item, sizeof(item), &l->items[n]);
  return item.value;
}

char LICENSE[] SEC("license") = "GPL";
