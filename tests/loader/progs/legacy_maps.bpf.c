// SPDX-License-Identifier: Apache-2.0
// A map in the legacy `maps` section (struct bpf_map_def).
// expect: retval 9
#include "decade_bpf.h"

struct legacy_map_def {
  unsigned int type, key_size, value_size, max_entries, map_flags;
};

struct legacy_map_def legacy SEC("maps") = {BPF_MAP_TYPE_HASH, 4, 8, 32, 0};

SEC("syscall") int legacy_maps(void *ctx) {
  __u32 k = 1;
  __u64 v = 9;
  bpf_map_update_elem(&legacy, &k, &v, BPF_ANY);
  __u64 *p = bpf_map_lookup_elem(&legacy, &k);
  return p ? (int)*p : 0;
}

char LICENSE[] SEC("license") = "GPL";
