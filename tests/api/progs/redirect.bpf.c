// SPDX-License-Identifier: Apache-2.0
// bpf_redirect and bpf_redirect_map into each redirect map type: the test
// run reports where the packet went (tests/api/redirect_test.cpp).
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP);
  __type(key, __u32);
  __type(value, struct bpf_devmap_val);
  __uint(max_entries, 8);
} tx_ports SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 8);
} tx_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_CPUMAP);
  __type(key, __u32);
  __type(value, struct bpf_cpumap_val);
  __uint(max_entries, 4);
} cpus SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 4);
} xsks SEC(".maps");

// The first packet byte picks the key, the second the fallback action.
static __always_inline int pick(struct xdp_md *ctx, __u32 *key, __u64 *fallback) {
  unsigned char *p = (void *)(long)ctx->data;
  if ((void *)(p + 2) > (void *)(long)ctx->data_end) return 0;
  *key = p[0];
  *fallback = p[1] & 3;
  return 1;
}

SEC("xdp") int to_ifindex(struct xdp_md *ctx) { return bpf_redirect(7, 0); }
SEC("xdp") int bad_flags(struct xdp_md *ctx) { return bpf_redirect(7, BPF_F_INGRESS); }
SEC("xdp") int redirect_then_pass(struct xdp_md *ctx) {
  bpf_redirect(7, 0);
  return XDP_PASS;
}

SEC("xdp") int to_devmap(struct xdp_md *ctx) {
  __u32 key;
  __u64 fallback;
  if (!pick(ctx, &key, &fallback)) return XDP_ABORTED;
  return bpf_redirect_map(&tx_ports, key, fallback);
}

SEC("xdp") int to_devmap_hash(struct xdp_md *ctx) {
  __u32 key;
  __u64 fallback;
  if (!pick(ctx, &key, &fallback)) return XDP_ABORTED;
  return bpf_redirect_map(&tx_hash, key, fallback);
}

SEC("xdp") int to_cpu(struct xdp_md *ctx) {
  __u32 key;
  __u64 fallback;
  if (!pick(ctx, &key, &fallback)) return XDP_ABORTED;
  return bpf_redirect_map(&cpus, key, fallback);
}

// The AF_XDP pattern: the socket bound to the packet's receive queue.
SEC("xdp") int to_xsk(struct xdp_md *ctx) {
  __u32 index = ctx->rx_queue_index;
  if (bpf_map_lookup_elem(&xsks, &index)) return bpf_redirect_map(&xsks, index, 0);
  return XDP_PASS;
}

SEC("xdp") int broadcast(struct xdp_md *ctx) {
  return bpf_redirect_map(&tx_ports, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
}

// Reads the devmap entry the program would redirect to.
SEC("xdp") int devmap_ifindex(struct xdp_md *ctx) {
  __u32 key = 1;
  struct bpf_devmap_val *v = bpf_map_lookup_elem(&tx_ports, &key);
  return v ? v->ifindex : 0;
}

SEC("tc") int tc_redirect(struct __sk_buff *skb) { return bpf_redirect(5, BPF_F_INGRESS); }
SEC("tc") int tc_bad_flags(struct __sk_buff *skb) { return bpf_redirect(5, 2); }

char LICENSE[] SEC("license") = "GPL";
