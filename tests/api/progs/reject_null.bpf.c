// SPDX-License-Identifier: Apache-2.0
// Rejected: the value bpf_map_lookup_elem returns is used without a NULL check.
// expect: load error (verifier code) at the dereference, line 17 of this file
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 4);
} counts SEC(".maps");

SEC("syscall") int reject_null(void *ctx) {
  __u32 key = 1;
  __u64 *v = bpf_map_lookup_elem(&counts, &key);
  // The missing check: if (!v) return 0;
  return *v;
}

char LICENSE[] SEC("license") = "GPL";
