// SPDX-License-Identifier: Apache-2.0
// verifier: accept
// A global function's `void *` argument tagged arg:ctx (libbpf's __arg_ctx)
// is the caller's context: the function reads its fields by the program
// type's rules, as Linux 6.18 accepts.
#include "decade_bpf.h"

__attribute__((noinline)) int skb_len(void *ctx __attribute__((btf_decl_tag("arg:ctx")))) {
  struct __sk_buff *skb = ctx;
  return skb->len > 100;
}

SEC("tc") int global_func_arg_ctx(struct __sk_buff *skb) { return skb_len(skb); }

char LICENSE[] SEC("license") = "GPL";
