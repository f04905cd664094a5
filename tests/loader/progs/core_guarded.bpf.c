// SPDX-License-Identifier: Apache-2.0
// CO-RE: a field only older hosts had, read behind bpf_core_field_exists
// (libbpf-bootstrap's task_iter reads task_struct's state this way). No
// host has `legacy`: the read cannot be relocated and is poisoned, as
// libbpf does, and never reached.
// expect: retval cfg->id, against any host (the map value laid out as the host's struct)
#include "decade_bpf.h"
#include <bpf/bpf_core_read.h>

struct host_cfg {
  int id;
} __attribute__((preserve_access_index));

struct host_cfg___old {
  unsigned int legacy;
} __attribute__((preserve_access_index));

// The host's struct host_cfg, in the first bytes of a map value.
struct cfg_bytes {
  char b[32];
};
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct cfg_bytes);
} cfgs SEC(".maps");

SEC("syscall") int core_guarded(void *ctx) {
  __u32 key = 0;
  struct host_cfg *cfg = bpf_map_lookup_elem(&cfgs, &key);
  if (!cfg) return -1;
  struct host_cfg___old *old = (void *)cfg;
  if (bpf_core_field_exists(old->legacy)) return old->legacy;
  return cfg->id;
}

char _license[] SEC("license") = "GPL";
