// SPDX-License-Identifier: Apache-2.0
// verifier: reject VerifierBadHelperArg
// NULL passed for an argument tagged arg:nonnull is refused at the call:
// the function reads it without a check.
#include "decade_bpf.h"

__attribute__((noinline)) int twice(int *p __attribute__((btf_decl_tag("arg:nonnull")))) { return *p * 2; }

SEC("tc") int global_func_arg_nonnull_null(struct __sk_buff *skb) {
  return twice((int *)0) > 100; /* REJECT */
}

char LICENSE[] SEC("license") = "GPL";
