// SPDX-License-Identifier: Apache-2.0
// bpf_get_ns_current_pid_tgid (helper 120) for the pid namespace the host
// names in .rodata (libbpf-bootstrap's minimal_ns does the same).
// expect: retval the host's pid for its own namespace's dev and ino, -EINVAL (-22) for another
#include "decade_bpf.h"

const volatile __u64 ns_dev = 0;
const volatile __u64 ns_ino = 0;

SEC("syscall") int ns_pid(void *ctx) {
  struct bpf_pidns_info ns = {};
  long r = bpf_get_ns_current_pid_tgid(ns_dev, ns_ino, &ns, sizeof(ns));
  if (r) return (int)r;
  return (int)ns.tgid;
}

char _license[] SEC("license") = "GPL";
