// SPDX-License-Identifier: Apache-2.0
// A packet pointer used after bpf_skb_change_tail moved the packet: the
// verifier must refuse it (kHelperChangesPacket), as the kernel does.
#include "decade_bpf.h"

SEC("tc")
int stale_after_change_tail(struct __sk_buff *skb) {
  __u8 *data = (__u8 *)(long)skb->data, *end = (__u8 *)(long)skb->data_end;
  if (data + 60 > end) return 0;
  bpf_skb_change_tail(skb, 14, 0);
  return data[59];
}

char LICENSE[] SEC("license") = "GPL";
