// SPDX-License-Identifier: Apache-2.0
// Stack ids (bpf_get_stackid into a stack trace map), cgroup arrays
// (bpf_current_task_under_cgroup, bpf_skb_under_cgroup), the calling task
// (bpf_get_current_task) and bpf_redirect_neigh, run by
// tests/api/task_stack_test.cpp on every engine.
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_STACK_TRACE);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, 4 * sizeof(__u64));
  __uint(max_entries, 8);
} stacks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 2);
} cgroups SEC(".maps");

long out[4];

SEC("kprobe") int stack_ids(void *ctx) {
  out[0] = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
  out[1] = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);      // the same stack: the same id
  out[2] = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK | 1);  // without the innermost frame
  out[3] = bpf_get_stackid(ctx, &stacks, 0);                      // no kernel stack
  return 0;
}

SEC("kprobe") int stack_bad_flags(void *ctx) { return bpf_get_stackid(ctx, &stacks, 1 << 12); }

SEC("kprobe") int task(void *ctx) {
  unsigned long t = bpf_get_current_task();
  long v = 0;
  out[0] = t != 0;
  out[1] = bpf_probe_read_kernel(&v, sizeof v, (void *)(t + 16));
  out[2] = bpf_current_task_under_cgroup(&cgroups, 0);
  out[3] = bpf_current_task_under_cgroup(&cgroups, 1);
  return 0;
}

SEC("kprobe") int task_past_end(void *ctx) { return bpf_current_task_under_cgroup(&cgroups, 2); }

SEC("tc") int skb_cgroup(struct __sk_buff *skb) { return bpf_skb_under_cgroup(skb, &cgroups, 0); }

SEC("tc") int neigh_nexthop(struct __sk_buff *skb) {
  struct bpf_redir_neigh nh = {.nh_family = 2 /* AF_INET */, .ipv4_nh = 0x0102000a};
  return bpf_redirect_neigh(5, &nh, sizeof nh, 0);
}

SEC("tc") int neigh_plain(struct __sk_buff *skb) { return bpf_redirect_neigh(6, 0, 0, 0); }

SEC("tc") int neigh_bad_flags(struct __sk_buff *skb) { return bpf_redirect_neigh(6, 0, 0, 1); }

char LICENSE[] SEC("license") = "GPL";
