// SPDX-License-Identifier: Apache-2.0
// verifier: accept
// A global function's pointer argument tagged arg:nonnull (libbpf's
// __arg_nonnull) is never NULL: the function reads it without a check, and
// every caller must pass memory of the pointee's size.
#include "decade_bpf.h"

__attribute__((noinline)) int twice(int *p __attribute__((btf_decl_tag("arg:nonnull")))) { return *p * 2; }

SEC("tc") int global_func_arg_nonnull(struct __sk_buff *skb) {
  int v = skb->len;
  return twice(&v) > 100;
}

char LICENSE[] SEC("license") = "GPL";
