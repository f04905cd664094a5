// SPDX-License-Identifier: Apache-2.0
// verifier: reject VerifierNullDeref
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 16);
} counts SEC(".maps");

SEC("xdp") int no_null_check(struct xdp_md *ctx) {
  __u32 key = ctx->ingress_ifindex;
  __u64 *v = bpf_map_lookup_elem(&counts, &key);
  return *v ? XDP_PASS : XDP_DROP; /* REJECT */
}

char LICENSE[] SEC("license") = "GPL";
