// SPDX-License-Identifier: Apache-2.0
// bpf_redirect is offered to xdp and tc programs only.
#include "decade_bpf.h"

SEC("socket") int redirect_socket(struct __sk_buff *skb) { return bpf_redirect(1, 0); }

char LICENSE[] SEC("license") = "GPL";
