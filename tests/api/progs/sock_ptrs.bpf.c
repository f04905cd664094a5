// SPDX-License-Identifier: Apache-2.0
// Socket pointers read at run time (tests/api/sock_ptrs_test.cpp): fields
// of struct bpf_sock and bpf_tcp_sock of the host's sockets, lookups by
// tuple, socket storage, and __sk_buff.sk of a test run (NULL).
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_SOCKMAP);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 4);
} socks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_SK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, __u64);
} counts SEC(".maps");

struct out {
  __u32 family, type, protocol, src_port, state, dst_port, src_ip4, dst_ip4;
  __u32 has_tcp, snd_cwnd, mss;
  __u64 bytes_received;
};

// The fields of socks[p[0]] written over the packet (struct out); 1 when
// the socket is there, 0 when not.
SEC("tc") int sock_fields(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  struct out *o = data;
  if ((void *)(o + 1) > (void *)(long)skb->data_end) return 0;
  __u32 k = *(__u8 *)data;
  struct bpf_sock *sk = bpf_map_lookup_elem(&socks, &k);
  if (!sk) return 0;
  o->family = sk->family;
  o->type = sk->type;
  o->protocol = sk->protocol;
  o->src_port = sk->src_port;
  o->state = sk->state;
  o->dst_port = sk->dst_port;
  o->src_ip4 = sk->src_ip4;
  o->dst_ip4 = sk->dst_ip4;
  struct bpf_tcp_sock *tp = bpf_tcp_sock(sk);
  o->has_tcp = tp != 0;
  if (tp) {
    o->snd_cwnd = tp->snd_cwnd;
    o->mss = tp->mss_cache;
    o->bytes_received = tp->bytes_received;
  }
  bpf_sk_release(sk);
  return 1;
}

// The packet starts with an IPv4 struct bpf_sock_tuple: the socket it
// finds (TCP when p[12] is 0, UDP otherwise) writes its src_port at byte
// 16; 1 when found, 0 when not, 2 for a short packet.
SEC("tc") int lookup_tuple(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  if (data + 20 > (void *)(long)skb->data_end) return 2;
  struct bpf_sock_tuple *t = data;
  __u8 udp = *(__u8 *)(data + 12);
  struct bpf_sock *sk = udp ? bpf_sk_lookup_udp(skb, t, sizeof(t->ipv4), BPF_F_CURRENT_NETNS, 0)
                            : bpf_sk_lookup_tcp(skb, t, sizeof(t->ipv4), BPF_F_CURRENT_NETNS, 0);
  if (!sk) return 0;
  *(__u32 *)(data + 16) = sk->src_port;
  bpf_sk_release(sk);
  return 1;
}

// Counts runs per socket in `counts` for socks[p[0]]: the new count, or 0
// when the socket is missing.
SEC("tc") int count_runs(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  if (data + 1 > (void *)(long)skb->data_end) return 0;
  __u32 k = *(__u8 *)data;
  struct bpf_sock *sk = bpf_map_lookup_elem(&socks, &k);
  if (!sk) return 0;
  __u64 *n = bpf_sk_storage_get(&counts, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
  __u64 v = 0;
  if (n) v = ++*n;
  bpf_sk_release(sk);
  return (int)v;
}

// __sk_buff.sk: 3 when NULL (a test run carries no socket), 2 for a full
// socket with a type, 1 otherwise.
SEC("tc") int skb_sock(struct __sk_buff *skb) {
  struct bpf_sock *sk = skb->sk;
  if (!sk) return 3;
  sk = bpf_sk_fullsock(sk);
  return sk && sk->type ? 2 : 1;
}
