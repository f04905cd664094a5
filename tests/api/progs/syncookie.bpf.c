// SPDX-License-Identifier: Apache-2.0
// The raw SYN cookie helpers as a SYN proxy uses them
// (tests/api/syncookie_test.cpp). The packet is Ethernet, IPv4 or IPv6,
// then TCP; the program writes the helper's 64-bit result at OUT_OFF of
// the packet (little-endian).
//
// syn_*: a SYN gets its cookie: the reply is the SYN-ACK, addresses and
// ports swapped, seq = cookie, ack = the SYN's seq + 1 (XDP_TX).
// ack_*: an ACK passes when it acknowledges a valid cookie (XDP_PASS),
// else it is dropped.
// gen_len_*: the generator with the TCP header length from the packet's
// byte LEN_OFF (to see -EINVAL).
#include "decade_bpf.h"
#include <bpf/bpf_endian.h>

#define ETH_LEN 14
#define IP4_LEN 20
#define IP6_LEN 40
#define TCP_LEN 20
#define OUT_OFF 96
#define LEN_OFF 104
#define PKT_LEN 112

struct tcp {
  __u16 source, dest;
  __u32 seq, ack_seq;
  __u16 flags;  // doff and flags as they lie in the header
  __u16 window, check, urg;
};

static __always_inline void swap_bytes(__u8 *a, __u8 *b, int n) {
  for (int i = 0; i < n; i++) {
    __u8 t = a[i];
    a[i] = b[i];
    b[i] = t;
  }
}

static __always_inline int syn(struct xdp_md *ctx, int ip_len, int v6) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  if (data + PKT_LEN > end) return XDP_ABORTED;
  void *ip = data + ETH_LEN;
  struct tcp *th = ip + ip_len;
  __u32 th_len = (((__u8 *)th)[12] >> 4) * 4;
  if (th_len < TCP_LEN || th_len > 40 || (void *)th + 40 > end) return XDP_ABORTED;
  __s64 r = v6 ? bpf_tcp_raw_gen_syncookie_ipv6(ip, (void *)th, th_len)
             : bpf_tcp_raw_gen_syncookie_ipv4(ip, (void *)th, th_len);
  *(__s64 *)(data + OUT_OFF) = r;
  if (r < 0) return XDP_DROP;
  swap_bytes(ip + (v6 ? 8 : 12), ip + (v6 ? 24 : 16), v6 ? 16 : 4);
  __u16 port = th->source;
  th->source = th->dest;
  th->dest = port;
  th->ack_seq = bpf_htonl(bpf_ntohl(th->seq) + 1);
  th->seq = bpf_htonl((__u32)r);
  return XDP_TX;
}

static __always_inline int ack(struct xdp_md *ctx, int ip_len, int v6) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  if (data + PKT_LEN > end) return XDP_ABORTED;
  void *ip = data + ETH_LEN;
  void *th = ip + ip_len;
  __s64 r = v6 ? bpf_tcp_raw_check_syncookie_ipv6(ip, th) : bpf_tcp_raw_check_syncookie_ipv4(ip, th);
  *(__s64 *)(data + OUT_OFF) = r;
  return r == 0 ? XDP_PASS : XDP_DROP;
}

static __always_inline int gen_len(struct xdp_md *ctx, int ip_len, int v6) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  if (data + PKT_LEN > end) return XDP_ABORTED;
  void *ip = data + ETH_LEN;
  void *th = ip + ip_len;
  __u32 len = *(__u8 *)(data + LEN_OFF);
  if (len > 40) return XDP_ABORTED;
  __s64 r = v6 ? bpf_tcp_raw_gen_syncookie_ipv6(ip, th, len) : bpf_tcp_raw_gen_syncookie_ipv4(ip, th, len);
  *(__s64 *)(data + OUT_OFF) = r;
  return XDP_PASS;
}

SEC("xdp") int syn_v4(struct xdp_md *ctx) { return syn(ctx, IP4_LEN, 0); }
SEC("xdp") int syn_v6(struct xdp_md *ctx) { return syn(ctx, IP6_LEN, 1); }
SEC("xdp") int ack_v4(struct xdp_md *ctx) { return ack(ctx, IP4_LEN, 0); }
SEC("xdp") int ack_v6(struct xdp_md *ctx) { return ack(ctx, IP6_LEN, 1); }
SEC("xdp") int gen_len_v4(struct xdp_md *ctx) { return gen_len(ctx, IP4_LEN, 0); }
SEC("xdp") int gen_len_v6(struct xdp_md *ctx) { return gen_len(ctx, IP6_LEN, 1); }

// tc has them too; the IPv4 generator from a classifier.
SEC("tc") int syn_tc(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
  if (data + PKT_LEN > end) return 2;
  void *ip = data + ETH_LEN;
  void *th = ip + IP4_LEN;
  *(__s64 *)(data + OUT_OFF) = bpf_tcp_raw_gen_syncookie_ipv4(ip, th, TCP_LEN);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
