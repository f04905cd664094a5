// SPDX-License-Identifier: Apache-2.0
// bpf_tcp_raw_check_syncookie_ipv6 reads a 40-byte IPv6 header; this
// program proves only 20 bytes past the pointer (an IPv4 header's worth):
// the verifier must refuse the call, as the kernel does.
#include "decade_bpf.h"

SEC("xdp")
int short_ipv6_header(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  void *ip = data + 14;
  if (ip + 20 > end) return XDP_ABORTED;
  void *th = data;  // 34 bytes proven: the TCP header's 20 are
  return bpf_tcp_raw_check_syncookie_ipv6(ip, th) == 0 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
