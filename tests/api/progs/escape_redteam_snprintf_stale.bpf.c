// SPDX-License-Identifier: Apache-2.0
// bpf_snprintf's buffer counts as written in full, but an error wrote none
// of it and a short text only its own bytes: the rest still held the host
// stack address an earlier function had spilled there, which the program
// copied into the packet. Both reads below must see zeros.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int spill_frame(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r10" ::: "memory");
	return 0;
}

/* The second half of a 16-byte buffer after bpf_snprintf with data_len. */
static __attribute__((noinline)) unsigned long second_half(unsigned long data_len)
{
	unsigned long buf[2];
	__u64 arg = 7;
	static const char fmt[] = "%d";

	bpf_snprintf((char *)buf, sizeof(buf), fmt, &arg, data_len);
	return *(volatile unsigned long *)&buf[1];
}

SEC("xdp")
int snprintf_stale(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;

	if (data + 16 > end)
		return XDP_PASS;
	spill_frame();
	/* data_len 4 is not a multiple of 8: -EINVAL */
	*(volatile unsigned long *)data = second_half(4);
	spill_frame();
	/* "7": two of sixteen bytes */
	*(volatile unsigned long *)(data + 8) = second_half(8);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
