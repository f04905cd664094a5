// SPDX-License-Identifier: Apache-2.0
// Ring buffer: one 8-byte record holding 7 is reserved and submitted.
// expect: retval 0; the host consumes one record of 8 bytes with value 7
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} rb SEC(".maps");

SEC("syscall") int map_ringbuf(void *ctx) {
  __u64 *rec = bpf_ringbuf_reserve(&rb, sizeof(*rec), 0);
  if (!rec) return 1;
  *rec = 7;
  bpf_ringbuf_submit(rec, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
