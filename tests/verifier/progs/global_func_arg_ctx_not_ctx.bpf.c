// SPDX-License-Identifier: Apache-2.0
// verifier: reject VerifierBadHelperArg
// An argument tagged arg:ctx must be the context: stack memory is refused at
// the call.
#include "decade_bpf.h"

__attribute__((noinline)) int skb_len(void *ctx __attribute__((btf_decl_tag("arg:ctx")))) {
  struct __sk_buff *skb = ctx;
  return skb->len > 100;
}

SEC("tc") int global_func_arg_ctx_not_ctx(struct __sk_buff *skb) {
  __u64 buf[4] = {skb->len, 0, 0, 0};
  return skb_len(buf); /* REJECT */
}

char LICENSE[] SEC("license") = "GPL";
