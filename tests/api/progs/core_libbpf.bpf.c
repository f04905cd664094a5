// SPDX-License-Identifier: Apache-2.0
// CO-RE as libbpf resolves it: bitfields read with BPF_CORE_READ_BITFIELD
// (relocated offset, size and shifts, which libbpf does not check against
// the compiler's values), a ___flavor type that names the host's struct,
// and libbpf's built-in kconfig LINUX_HAS_SYSCALL_WRAPPER. The host layout
// is hosts/core_libbpf_host.bpf.c.
// expect (syscall, ctx = struct net_cfg laid out as the target has it,
//   mode 5, prio 300, id 7): retval mode + prio * 10 + id * 10000 + 1000000 *
//   LINUX_HAS_SYSCALL_WRAPPER = 1073005
#include <stdbool.h>

#include "decade_bpf.h"
#include <bpf/bpf_core_read.h>

// The program's own view of struct net_cfg, as an older host had it.
struct net_cfg___old {
  unsigned int mode : 3;
  unsigned int prio : 10;
  unsigned int id;
} __attribute__((preserve_access_index));

extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;

SEC("syscall") int read_cfg(struct net_cfg___old *cfg) {
  long r = BPF_CORE_READ_BITFIELD(cfg, mode);
  r += BPF_CORE_READ_BITFIELD(cfg, prio) * 10;
  r += (long)cfg->id * 10000;
  if (LINUX_HAS_SYSCALL_WRAPPER) r += 1000000;
  return (int)r;
}

char LICENSE[] SEC("license") = "GPL";
