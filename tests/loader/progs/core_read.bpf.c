// SPDX-License-Identifier: Apache-2.0
// CO-RE: reads fields of the host's `struct host_cfg` through the context
// pointer. Compiled once against the layout below; the loader relocates the
// field offsets and sizes to the host's real layout (hosts/host_v1.bpf.c,
// hosts/host_v2.bpf.c describe two versions).
// expect: retval id + port + limit + (flags exists ? 1000) + sizeof(struct host_cfg)
//   + (enum host_mode has HOST_MODE_FAST ? 100), with the context {id 1, port 2, limit 3}
//   laid out as the target says: own BTF -> 1130, host_v1 -> 122, host_v2 -> 1038
#include "decade_bpf.h"
#include <bpf/bpf_core_read.h>

struct host_cfg {
  int id;
  unsigned short port;
  long long limit;
  unsigned int flags;
} __attribute__((preserve_access_index));

enum host_mode { HOST_MODE_FAST = 1 };

SEC("syscall") int core_read(struct host_cfg *cfg) {
  long long r = cfg->id + cfg->port + cfg->limit;
  if (bpf_core_field_exists(cfg->flags)) r += 1000;
  r += bpf_core_type_size(struct host_cfg);
  r += bpf_core_enum_value_exists(enum host_mode, HOST_MODE_FAST) * 100;
  return (int)r;
}

// bpf_core_read: the field address is computed with a relocated `r += offset`.
// It reads through bpf_probe_read_kernel, so this is a tracing program (the
// host_cfg at the traced call's first argument) and loads only where the
// host grants read_host_memory.
// expect: retval 3 (limit) for every layout, when the host_cfg is readable
SEC("uprobe") int core_probe(__u64 *regs) {
  struct host_cfg *cfg = (void *)regs[14]; /* pt_regs.di */
  long long lim = 0;
  bpf_core_read(&lim, sizeof(int), &cfg->limit);
  return (int)lim;
}

char LICENSE[] SEC("license") = "GPL";
