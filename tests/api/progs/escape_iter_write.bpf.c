// SPDX-License-Identifier: Apache-2.0
// Escape (issue 11, point 4): the element bpf_iter_num_next returns is the
// iterator's own state; writing 0 through it rewinds a four-step loop
// forever.
// expect: rejected, VerifierReadOnly at insn 11 (the kernel: "R0 cannot
// write into rdonly_mem")
#include "decade_bpf.h"

SEC("xdp") int iter_rewind(struct xdp_md *ctx) {
  struct bpf_iter_num it;
  int *v, n = 0;
  bpf_iter_num_new(&it, 0, 4);
  while ((v = bpf_iter_num_next(&it))) {
    n++;
    *v = 0;
  }
  bpf_iter_num_destroy(&it);
  return n;
}

char LICENSE[] SEC("license") = "GPL";
