// SPDX-License-Identifier: Apache-2.0
// verifier: reject VerifierBadGlobalFunc
// A legacy packet load (LD_ABS) in a function whose BTF prototype returns
// void: a packet miss returns 0 from the function, so the kernel wants it
// to return a scalar ("LD_ABS is only allowed in functions that return
// 'int'."), and so does Decade.
#include "decade_bpf.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

__u64 seen;

static __attribute__((noinline)) void note_proto(struct __sk_buff *skb) {
  seen = load_byte(skb, 23); /* REJECT */
}

SEC("socket") int ld_abs_in_void(struct __sk_buff *skb) {
  note_proto(skb);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
