// SPDX-License-Identifier: Apache-2.0
// The XDP context as a helper's memory: the engines keep xdp_md's data as
// the low half of the host packet address, which became a map key the host
// could read.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} seen SEC(".maps");

SEC("xdp")
int ctx_key(struct xdp_md *ctx)
{
	__u32 one = 1;
	bpf_map_update_elem(&seen, ctx, &one, 0); /* REJECT */
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
