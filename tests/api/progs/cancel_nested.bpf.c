// SPDX-License-Identifier: Apache-2.0
// A run started inside another (issue 14): calls_host calls host helper
// 1000, which the test adds and which runs count_rounds from inside the
// run, as a probe hit in a function a helper calls would.
// expect: cancelling the token of the calls_host run stops count_rounds
// too (ExecCancelled), though its own run was given no token.
#include "decade_bpf.h"

// ctx[0] rounds of 2^20 iterations: long (seconds in the interpreter at
// the test's 256 rounds) but finite, so a run nothing can stop still ends.
SEC("syscall") int count_rounds(__u32 *rounds) {
  __u64 n = 0;
  int i, j;
  bpf_for(i, 0, (int)*rounds) {
    bpf_for(j, 0, 1 << 20) n += j;
  }
  return (int)n;
}

// Calls host helper 1000, which the test adds: it runs another program
// from inside this run, as a probe hit in a function a helper calls would.
static long (*run_other)(void) = (void *)1000;

SEC("syscall") int calls_host(void *ctx) { return (int)run_other(); }

char LICENSE[] SEC("license") = "GPL";
