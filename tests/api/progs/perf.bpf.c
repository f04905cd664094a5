// SPDX-License-Identifier: Apache-2.0
// bpf_perf_event_output into a perf event array read by a PerfBuffer
// (tests/api/perf_test.cpp). The first packet byte picks the case.
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} events SEC(".maps");

SEC("xdp") int perf_out(struct xdp_md *ctx) {
  unsigned char *p = (void *)(long)ctx->data;
  if ((void *)(p + 1) > (void *)(long)ctx->data_end) return -1;
  __u8 sample[8] = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5};
  __u64 flags = BPF_F_CURRENT_CPU | (4ULL << 32);  // 5 bytes, then 4 packet bytes
  if (p[0] == 1) flags = 1000;                    // no such slot
  if (p[0] == 2) flags = BPF_F_CURRENT_CPU | (4096ULL << 32);  // more packet than there is
  return bpf_perf_event_output(ctx, &events, flags, sample, 5);
}

char LICENSE[] SEC("license") = "GPL";
