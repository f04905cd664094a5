// SPDX-License-Identifier: Apache-2.0
// verifier: reject VerifierOutOfBounds
// The index is checked against the wrong bound (65 cells of a 64-cell array).
#include "decade_bpf.h"

struct row {
  __u32 cells[64];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, struct row);
  __uint(max_entries, 1);
} table2 SEC(".maps");

SEC("syscall") int index_unchecked(__u32 *ctx) {
  __u32 k = 0;
  struct row *r = bpf_map_lookup_elem(&table2, &k);
  if (!r) return 0;
  __u32 i = ctx[0];
  if (i > 64) return 0;
  return r->cells[i]; /* REJECT */
}

char LICENSE[] SEC("license") = "GPL";
