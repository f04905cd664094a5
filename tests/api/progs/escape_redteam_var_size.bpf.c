// SPDX-License-Identifier: Apache-2.0
// A variable-size helper write initialises only its minimum: the bytes past
// it keep what an earlier function spilled there (a host stack address),
// which the program copied into the packet.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int spill_frame(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r10" ::: "memory");
	return 0;
}

static __attribute__((noinline)) unsigned long read_stale(unsigned int n)
{
	unsigned long buf[2];

	bpf_get_current_comm(buf, (n & 15) + 1);
	return *(volatile unsigned long *)&buf[1]; /* REJECT */
}

SEC("xdp")
int var_size_stale(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;

	if (data + 8 > end)
		return XDP_PASS;
	spill_frame();
	*(volatile unsigned long *)data = read_stale(ctx->ingress_ifindex);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
