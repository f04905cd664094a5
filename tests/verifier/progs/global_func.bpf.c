// SPDX-License-Identifier: Apache-2.0
// verifier: accept
// A global (non-static) function is verified once from its BTF signature.
#include "decade_bpf.h"

__attribute__((noinline)) int scale(struct __sk_buff *skb, int factor) {
  if (!skb) return 0;
  return skb->len * factor;
}

__attribute__((noinline)) int sum_bytes(__u64 *buf) {
  if (!buf) return 0;
  return (int)(*buf & 0xff);
}

SEC("tc") int global_func(struct __sk_buff *skb) {
  __u64 v = 7;
  return scale(skb, 2) + sum_bytes(&v) > 100 ? 1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
