// SPDX-License-Identifier: Apache-2.0
// The fixed cost of entering a program: two instructions (r0 = XDP_PASS;
// exit), test-run by bench_compute under Decade's engines and, from the same
// object, under the kernel (bpftool prog run ... repeat N).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp") int entry(struct xdp_md *ctx) { return XDP_PASS; }

char LICENSE[] SEC("license") = "GPL";
