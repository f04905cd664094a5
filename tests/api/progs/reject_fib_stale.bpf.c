// SPDX-License-Identifier: Apache-2.0
// bpf_fib_lookup rewrites its params: what the program stored there before
// the call is unknown after it. An index read back from params must be
// bounded again before it addresses memory.
#include "decade_bpf.h"

SEC("xdp") int fib_stale(struct xdp_md *ctx) {
  struct bpf_fib_lookup p = {};
  __u8 table[4] = {1, 2, 3, 4};
  p.family = 2;  // AF_INET
  p.ifindex = 1;
  bpf_fib_lookup(ctx, &p, sizeof p, 0);
  return table[p.ifindex];  // ifindex is the output interface now
}

char LICENSE[] SEC("license") = "GPL";
