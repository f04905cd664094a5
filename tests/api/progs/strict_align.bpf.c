// SPDX-License-Identifier: Apache-2.0
// A 4-byte load at the packet's first byte: fine on x86-64 and arm64, and
// refused under BPF_F_STRICT_ALIGNMENT, where packet offsets count from
// NET_IP_ALIGN (2) (tests/api/program_flags_test.cpp, tests/cli).
#include "decade_bpf.h"

SEC("xdp") int first_word(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  if (data + 4 > end) return XDP_DROP;
  return *(volatile __u32 *)data == 0 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
