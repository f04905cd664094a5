// SPDX-License-Identifier: Apache-2.0
// bpf_get_local_storage on a shared and a per-CPU cgroup storage map
// (tests/api/cgroup_storage_test.cpp): each run counts itself in its
// storage and reports the count in the context's cb[0], the packet bytes
// seen so far in cb[1].
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
  __type(key, struct bpf_cgroup_storage_key);
  __type(value, __u64[2]);
} counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE);
  __type(key, __u64);
  __type(value, __u64);
} percpu_counts SEC(".maps");

SEC("cgroup_skb/ingress") int count(struct __sk_buff *skb) {
  __u64 *v = bpf_get_local_storage(&counts, 0);
  __u64 n = __sync_fetch_and_add(&v[0], 1) + 1;
  v[1] += skb->len;
  skb->cb[0] = (__u32)n;
  skb->cb[1] = (__u32)v[1];
  return 1;
}

SEC("cgroup_skb/egress") int count_percpu(struct __sk_buff *skb) {
  __u64 *v = bpf_get_local_storage(&percpu_counts, 0);
  *v += 1;
  skb->cb[0] = (__u32)*v;
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
