// SPDX-License-Identifier: Apache-2.0
// verifier: accept
// A bounded loop over a map value array and a stack buffer indexed by a
// checked value.
#include "decade_bpf.h"

struct row {
  __u32 cells[64];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, struct row);
  __uint(max_entries, 1);
} table SEC(".maps");

SEC("syscall") int bounded_loop(void *ctx) {
  __u32 k = 0;
  struct row *r = bpf_map_lookup_elem(&table, &k);
  if (!r) return 0;
  __u32 sum = 0;
  for (int i = 0; i < 64; i++) sum += r->cells[i];
  char buf[32] = {};
  __u32 idx = sum & 31;
  buf[idx] = 1;
  return sum + buf[(sum >> 8) & 31];
}

char LICENSE[] SEC("license") = "GPL";
