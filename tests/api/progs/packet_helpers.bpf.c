// SPDX-License-Identifier: Apache-2.0
// The checksum, resizing, VLAN, tunnel and XDP byte helpers, each program
// calling one of them with arguments taken from the packet (struct params
// at kParamOff), so one program covers a table of cases. The same objects
// and packets run in Decade and, where bpf() is allowed, in the kernel's
// BPF_PROG_TEST_RUN (tests/api/packet_helpers_test.cpp).
#include "decade_bpf.h"

#include <bpf/bpf_endian.h>

#define PARAM_OFF 64

struct params {
  __u32 a, b, c, d;
};

static __always_inline int tc_params(struct __sk_buff *skb, struct params *p) {
  return bpf_skb_load_bytes(skb, PARAM_OFF, p, sizeof(*p));
}

SEC("tc")
int tc_adjust_room(struct __sk_buff *skb) {
  struct params p;
  if (tc_params(skb, &p)) return 1;
  return bpf_skb_adjust_room(skb, (__s32)p.a, p.b, ((__u64)p.d << 32) | p.c);
}

SEC("tc")
int tc_change_tail(struct __sk_buff *skb) {
  struct params p;
  if (tc_params(skb, &p)) return 1;
  return bpf_skb_change_tail(skb, p.a, p.b);
}

SEC("tc")
int tc_change_head(struct __sk_buff *skb) {
  struct params p;
  if (tc_params(skb, &p)) return 1;
  return bpf_skb_change_head(skb, p.a, p.b);
}

// Direct packet access after the change: the pointers are re-derived.
SEC("tc")
int tc_change_proto(struct __sk_buff *skb) {
  struct params p;
  if (tc_params(skb, &p)) return 1;
  long r = bpf_skb_change_proto(skb, (__be16)p.a, p.b);
  if (r) return r;
  void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
  if (data + 16 > end) return 2;
  ((__u8 *)data)[14] = 0x60;  // the first byte of an IPv6 header (or 0x45 back)
  if (skb->protocol == bpf_htons(0x0800)) ((__u8 *)data)[14] = 0x45;
  return skb->len;
}

SEC("tc")
int tc_pull_data(struct __sk_buff *skb) {
  struct params p;
  if (tc_params(skb, &p)) return 1;
  return bpf_skb_pull_data(skb, p.a);
}

// a: checksum offset, b: new destination address, c: size flags.
SEC("tc")
int tc_l3_csum(struct __sk_buff *skb) {
  struct params p;
  __u32 old;
  if (tc_params(skb, &p) || bpf_skb_load_bytes(skb, 30, &old, 4)) return 1;
  if (bpf_skb_store_bytes(skb, 30, &p.b, 4, 0)) return 2;
  __u64 from = old, to = p.b;
  if ((p.c & 0xf) == 2) from &= 0xffff, to &= 0xffff;
  if ((p.c & 0xf) == 0) from = 0, to = bpf_csum_diff(&old, 4, &p.b, 4, 0);
  return bpf_l3_csum_replace(skb, p.a, from, to, p.c);
}

// a: checksum offset, b: new destination port (low 16 bits) or address,
// c: flags; d: 1 to zero the checksum first (BPF_F_MARK_MANGLED_0 cases).
SEC("tc")
int tc_l4_csum(struct __sk_buff *skb) {
  struct params p;
  __u32 old = 0;
  __u16 zero = 0;
  if (tc_params(skb, &p)) return 1;
  if (p.d == 1 && bpf_skb_store_bytes(skb, p.a & 0xff, &zero, 2, 0)) return 3;
  __u32 size = p.c & 0xf, off = size == 2 ? 36 : 30;
  if (bpf_skb_load_bytes(skb, off, &old, 4) || bpf_skb_store_bytes(skb, off, &p.b, size == 2 ? 2 : 4, 0)) return 2;
  __u64 from = size == 2 ? (old & 0xffff) : old, to = size == 2 ? (p.b & 0xffff) : p.b;
  if (size == 0) from = 0, to = bpf_csum_diff(&old, 4, &p.b, 4, 0);
  return bpf_l4_csum_replace(skb, p.a, from, to, p.c);
}

// a: bytes of the IP header taken as `from`, b: bytes of the TCP header
// taken as `to`, c: seed. Returns the helper's result.
static __always_inline long csum_diff_of(__u8 *buf, struct params *p) {
  __u32 fs = p->a, ts = p->b;
  if (fs > 64 || ts > 64) return 1;
  return bpf_csum_diff((__be32 *)buf, fs, (__be32 *)(buf + 64), ts, p->c);
}

SEC("tc")
int tc_csum_diff(struct __sk_buff *skb) {
  struct params p;
  __u8 buf[128] = {};
  if (tc_params(skb, &p) || bpf_skb_load_bytes(skb, 0, buf, 64) || bpf_skb_load_bytes(skb, 32, buf + 64, 64)) return 1;
  return csum_diff_of(buf, &p);
}

// Levels a, b, c applied in turn, then the level queried.
SEC("tc")
int tc_csum_level(struct __sk_buff *skb) {
  struct params p;
  if (tc_params(skb, &p)) return 1;
  long r = bpf_csum_level(skb, p.a) | bpf_csum_level(skb, p.b) | bpf_csum_level(skb, p.c);
  if (r) return r;
  return bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
}

// Two pushes (a: proto, b: tci of the second) and c pops; the offloaded
// tag and skb->protocol are written into the packet at 20.
SEC("tc")
int tc_vlan(struct __sk_buff *skb) {
  struct params p;
  if (tc_params(skb, &p)) return 1;
  long r = bpf_skb_vlan_push(skb, bpf_htons(0x8100), 5);
  if (!r) r = bpf_skb_vlan_push(skb, (__be16)p.a, (__u16)p.b);
  for (int i = 0; i < 3 && !r; i++)
    if (i < p.c) r = bpf_skb_vlan_pop(skb);
  __u32 out[4] = {skb->vlan_present, skb->vlan_tci, skb->vlan_proto, skb->protocol};
  if (bpf_skb_store_bytes(skb, 20, out, sizeof(out), 0)) return 2;
  return r;
}

SEC("tc")
int tc_ecn(struct __sk_buff *skb) { return bpf_skb_ecn_set_ce(skb); }

// set_tunnel_key (id a, remote b, local c, flags d), options, then both
// read back into the packet at 16 (44 + 8 bytes).
SEC("tc")
int tc_tunnel(struct __sk_buff *skb) {
  struct params p;
  struct bpf_tunnel_key k = {};
  __u8 opt[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  if (tc_params(skb, &p)) return 1;
  k.tunnel_id = p.a;
  k.remote_ipv4 = p.b;
  k.local_ipv4 = p.c;
  k.tunnel_ttl = 64;
  k.tunnel_tos = 4;
  long r = bpf_skb_set_tunnel_key(skb, &k, sizeof(k), p.d);
  if (r) return r;
  r = bpf_skb_set_tunnel_opt(skb, opt, sizeof(opt));
  if (r) return r;
  struct bpf_tunnel_key got;
  __u8 got_opt[8];
  r = bpf_skb_get_tunnel_key(skb, &got, sizeof(got), 0);
  long n = bpf_skb_get_tunnel_opt(skb, got_opt, sizeof(got_opt));
  if (bpf_skb_store_bytes(skb, 16, &got, sizeof(got), 0) || bpf_skb_store_bytes(skb, 60, got_opt, 8, 0)) return 2;
  return r ? r : n;
}

// The metadata the packet arrived with (flags a), written into the packet
// at 16 (44 bytes) and its options at 60 (8 bytes).
SEC("tc")
int tc_get_tunnel(struct __sk_buff *skb) {
  struct params p;
  struct bpf_tunnel_key k;
  __u8 opt[8];
  if (tc_params(skb, &p)) return 1;
  long r = bpf_skb_get_tunnel_key(skb, &k, sizeof(k), p.a);
  long n = bpf_skb_get_tunnel_opt(skb, opt, sizeof(opt));
  if (bpf_skb_store_bytes(skb, 16, &k, sizeof(k), 0) || bpf_skb_store_bytes(skb, 60, opt, 8, 0)) return 2;
  return r ? r : n;
}

SEC("tc")
int tc_set_hash(struct __sk_buff *skb) {
  bpf_set_hash(skb, 0x1234);
  __u32 h = bpf_get_hash_recalc(skb);
  bpf_set_hash_invalid(skb);
  return h + skb->hash;
}

static __always_inline int xdp_params(struct xdp_md *ctx, struct params *p) {
  return bpf_xdp_load_bytes(ctx, PARAM_OFF, p, sizeof(*p));
}

// Eight bytes copied from offset a to offset b; then the buffer's length.
SEC("xdp")
int xdp_bytes(struct xdp_md *ctx) {
  struct params p;
  __u8 buf[8];
  if (xdp_params(ctx, &p)) return 100;
  long r = bpf_xdp_load_bytes(ctx, p.a, buf, sizeof(buf));
  if (r) return r;
  r = bpf_xdp_store_bytes(ctx, p.b, buf, sizeof(buf));
  return r ? r : bpf_xdp_get_buff_len(ctx);
}

SEC("xdp")
int xdp_csum_diff(struct xdp_md *ctx) {
  struct params p;
  __u8 buf[128] = {};
  if (xdp_params(ctx, &p) || bpf_xdp_load_bytes(ctx, 0, buf, 64) || bpf_xdp_load_bytes(ctx, 32, buf + 64, 64)) return 1;
  return csum_diff_of(buf, &p);
}

// bpf_skb_load_bytes_relative: 4 bytes at offset a from header b (0 MAC,
// 1 network); returns the bytes (as a word) or the error.
SEC("tc")
int tc_load_relative(struct __sk_buff *skb) {
  struct params p;
  __u32 w = 0;
  if (tc_params(skb, &p)) return 1;
  long r = bpf_skb_load_bytes_relative(skb, p.a, &w, sizeof(w), p.b);
  return r ? r : (int)(w & 0x7fffffff);
}

// bpf_skb_change_type to a, then reads pkt_type back (result * 16 + type).
SEC("tc")
int tc_change_type(struct __sk_buff *skb) {
  struct params p;
  if (tc_params(skb, &p)) return 1;
  long r = bpf_skb_change_type(skb, p.a);
  return r ? r : (int)(skb->pkt_type + 16);
}

// bpf_skb_set_tstamp(skb, a, b), then reads tstamp back: its low bits
// plus the type's (r ? r : tstamp_type * 1000 + tstamp % 1000).
SEC("tc")
int tc_set_tstamp(struct __sk_buff *skb) {
  struct params p;
  if (tc_params(skb, &p)) return 1;
  long r = bpf_skb_set_tstamp(skb, p.a, p.b);
  return r ? r : (int)(skb->tstamp_type * 1000 + skb->tstamp % 1000);
}

// bpf_clone_redirect(skb, a, b), then the first byte changed and a second
// clone: 100 when both calls succeed, else the error.
SEC("tc")
int tc_clone(struct __sk_buff *skb) {
  struct params p;
  __u8 x = 0xee;
  if (tc_params(skb, &p)) return 1;
  long r = bpf_clone_redirect(skb, p.a, p.b);
  if (r) return r;
  if (bpf_skb_store_bytes(skb, 0, &x, 1, 0)) return 2;
  r = bpf_clone_redirect(skb, p.a, p.b);
  return r ? r : 100;
}

char LICENSE[] SEC("license") = "GPL";
