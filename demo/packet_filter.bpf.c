// SPDX-License-Identifier: Apache-2.0
// Decade's showcase: an XDP packet filter written against libbpf's headers,
// compiled unchanged by `clang-19 -target bpf -O2 -g`.
//
// It parses Ethernet + IPv4, drops packets whose source address is in a
// blocklist (an LPM trie, so whole prefixes can be blocked), optionally
// drops ICMP, and drops runts. It counts packets and bytes per IP protocol in
// a hash map and keeps verdict totals in global (.bss) counters. The host
// configures it through `const volatile` globals (.rodata) before load.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

// Set by the host before load; the verifier sees them as constants.
const volatile __u8 drop_icmp = 0;
const volatile __u32 max_packet_len = 1514;

// Verdict totals, readable by the host through object.global("bss").
__u64 packets_passed = 0;
__u64 packets_dropped = 0;
__u64 packets_runt = 0;
__u64 packets_non_ip = 0;

struct proto_stats {
  __u64 packets;
  __u64 bytes;
};

// Per IP protocol (6 TCP, 17 UDP, 1 ICMP, ...).
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, struct proto_stats);
  __uint(max_entries, 256);
} proto_stats SEC(".maps");

struct ipv4_lpm_key {
  __u32 prefixlen;
  __u32 addr;  // network byte order, as on the wire
};

// Source prefixes to drop; the value counts the drops it caused.
struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __type(key, struct ipv4_lpm_key);
  __type(value, __u64);
  __uint(max_entries, 1024);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} blocklist SEC(".maps");

static __always_inline void count_protocol(__u32 proto, __u64 bytes) {
  struct proto_stats *st = bpf_map_lookup_elem(&proto_stats, &proto);
  if (st) {
    __sync_fetch_and_add(&st->packets, 1);
    __sync_fetch_and_add(&st->bytes, bytes);
    return;
  }
  struct proto_stats init = {.packets = 1, .bytes = bytes};
  // Another CPU may have inserted it meanwhile: then add to its entry.
  if (bpf_map_update_elem(&proto_stats, &proto, &init, BPF_NOEXIST) != 0) {
    st = bpf_map_lookup_elem(&proto_stats, &proto);
    if (st) {
      __sync_fetch_and_add(&st->packets, 1);
      __sync_fetch_and_add(&st->bytes, bytes);
    }
  }
}

static __always_inline int drop(void) {
  __sync_fetch_and_add(&packets_dropped, 1);
  return XDP_DROP;
}

SEC("xdp")
int packet_filter(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  __u64 len = data_end - data;

  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) {
    __sync_fetch_and_add(&packets_runt, 1);
    return drop();
  }
  if (len > max_packet_len) return drop();
  if (eth->h_proto != bpf_htons(ETH_P_IP)) {
    // Not IPv4 (IPv6, ARP, ...): not ours to judge.
    __sync_fetch_and_add(&packets_non_ip, 1);
    __sync_fetch_and_add(&packets_passed, 1);
    return XDP_PASS;
  }
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end || ip->ihl < 5) {
    __sync_fetch_and_add(&packets_runt, 1);
    return drop();
  }

  count_protocol(ip->protocol, len);

  struct ipv4_lpm_key key = {.prefixlen = 32, .addr = ip->saddr};
  __u64 *hits = bpf_map_lookup_elem(&blocklist, &key);
  if (hits) {
    __sync_fetch_and_add(hits, 1);
    return drop();
  }
  if (drop_icmp && ip->protocol == IPPROTO_ICMP) return drop();

  __sync_fetch_and_add(&packets_passed, 1);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
