// SPDX-License-Identifier: Apache-2.0
// Maps that declare no pinning, pinned all the same by `--pin-maps DIR`
// (LoadOptions::pin_maps): a hash counting runs per packet length, a
// global counter in .bss and a ring buffer each run writes the length to.
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} lengths SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} seen SEC(".maps");

__u64 runs;

SEC("xdp") int count_runs(struct xdp_md *ctx) {
  __u32 len = ctx->data_end - ctx->data;
  __u64 zero = 0, *v = bpf_map_lookup_elem(&lengths, &len);
  if (!v) {
    bpf_map_update_elem(&lengths, &len, &zero, BPF_NOEXIST);
    v = bpf_map_lookup_elem(&lengths, &len);
  }
  if (v) __sync_fetch_and_add(v, 1);
  __sync_fetch_and_add(&runs, 1);
  bpf_ringbuf_output(&seen, &len, sizeof(len), 0);
  return 2;
}

char _license[] SEC("license") = "GPL";
