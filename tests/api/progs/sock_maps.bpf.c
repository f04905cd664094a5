// SPDX-License-Identifier: Apache-2.0
// Socket maps from programs and bpf_check_mtu (tests/api/sock_maps_test.cpp):
// lookups take a socket reference given back with bpf_sk_release, updates
// insert the socket a program holds, sk_skb redirects to a map's socket,
// and bpf_check_mtu reads and writes its u32 through the packet.
#include "decade_bpf.h"

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

struct {
  __uint(type, BPF_MAP_TYPE_SOCKMAP);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 4);
} socks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_SOCKHASH);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 4);
} sock_hash SEC(".maps");

// The socket of key p[0] in socks is copied into sock_hash under 100 + p[0];
// p[1] says whether the update succeeded. XDP_DROP when there is none.
SEC("xdp") int copy_sock(struct xdp_md *ctx) {
  unsigned char *p = (void *)(long)ctx->data;
  if ((void *)(p + 2) > (void *)(long)ctx->data_end) return XDP_ABORTED;
  __u32 k = p[0];
  struct bpf_sock *sk = bpf_map_lookup_elem(&socks, &k);
  if (!sk) return XDP_DROP;
  __u32 hk = 100 + k;
  long rc = bpf_map_update_elem(&sock_hash, &hk, sk, BPF_ANY);
  bpf_sk_release(sk);
  p[1] = rc == 0 ? 1 : 2;
  return XDP_PASS;
}

// Holds the socket of key p[0] in socks while it loops for ever (2^46
// iterations, as far as a test waits): a run stopped by a cancel or a
// deadline gives the reference back (tests/api/cancel_test.cpp).
SEC("xdp") int hold_sock(struct xdp_md *ctx) {
  unsigned char *p = (void *)(long)ctx->data;
  if ((void *)(p + 1) > (void *)(long)ctx->data_end) return XDP_ABORTED;
  __u32 k = p[0];
  struct bpf_sock *sk = bpf_map_lookup_elem(&socks, &k);
  if (!sk) return XDP_DROP;
  __u64 n = 0;
  int i, j;
  bpf_for(i, 0, 1 << 23) {
    bpf_for(j, 0, 1 << 23) n += j;
  }
  bpf_sk_release(sk);
  return n ? XDP_PASS : XDP_DROP;
}

// Deletes key p[0] of socks: TC_ACT_OK when it was there, TC_ACT_SHOT when not.
SEC("tc") int drop_sock(struct __sk_buff *skb) {
  unsigned char *p = (void *)(long)skb->data;
  if ((void *)(p + 1) > (void *)(long)skb->data_end) return TC_ACT_SHOT;
  __u32 k = p[0];
  return bpf_map_delete_elem(&socks, &k) == 0 ? TC_ACT_OK : TC_ACT_SHOT;
}

// Redirects to socks[p[0]], to its receive side when p[1] is set.
SEC("sk_skb") int to_sock(struct __sk_buff *skb) {
  unsigned char *p = (void *)(long)skb->data;
  if ((void *)(p + 2) > (void *)(long)skb->data_end) return SK_DROP;
  return bpf_sk_redirect_map(skb, &socks, p[0], p[1] ? BPF_F_INGRESS : 0);
}

// Redirects to sock_hash[p[0]]; p[1] goes into the flags as it is (bad flags drop).
SEC("sk_skb") int to_hashed_sock(struct __sk_buff *skb) {
  unsigned char *p = (void *)(long)skb->data;
  if ((void *)(p + 2) > (void *)(long)skb->data_end) return SK_DROP;
  __u32 k = p[0];
  return bpf_sk_redirect_hash(skb, &sock_hash, &k, p[1]);
}

// bpf_check_mtu with the packet's words: [0] ifindex, [1] *mtu_len in, [2]
// len_diff, [3] flags; [0] becomes the result and [1] the MTU written.
static __always_inline int mtu_words(void *ctx, __u32 *w, void *end) {
  if ((void *)(w + 4) > end) return 0;
  __u32 mtu = w[1];
  long rc = bpf_check_mtu(ctx, w[0], &mtu, (__s32)w[2], w[3]);
  w[0] = (__u32)rc;
  w[1] = mtu;
  return 1;
}

SEC("xdp") int mtu_xdp(struct xdp_md *ctx) {
  return mtu_words(ctx, (void *)(long)ctx->data, (void *)(long)ctx->data_end) ? XDP_PASS : XDP_ABORTED;
}

SEC("tc") int mtu_tc(struct __sk_buff *skb) {
  // The words follow the Ethernet header's destination address (bytes 6..21).
  void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
  return mtu_words(skb, data + 6, end) ? TC_ACT_OK : TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
