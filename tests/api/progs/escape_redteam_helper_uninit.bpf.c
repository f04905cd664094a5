// SPDX-License-Identifier: Apache-2.0
// A helper reading stack the function never wrote: bpf_map_update_elem
// copied the host stack address an earlier function had spilled there into
// a map the host reads.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} out SEC(".maps");

static __attribute__((noinline)) int spill_frame(void)
{
	asm volatile("*(u64 *)(r10 - 16) = r10" ::: "memory");
	return 0;
}

static __attribute__((noinline)) int copy_stale(void)
{
	asm volatile(
		"r1 = 0\n"
		"*(u32 *)(r10 - 4) = r1\n"
		"r1 = %[map] ll\n"
		"r2 = r10\n"
		"r2 += -4\n"
		"r3 = r10\n"
		"r3 += -16\n"   /* never written by this function */
		"r4 = 0\n"
		"call 2\n" /* REJECT */
		:: [map] "i"(&out) : "r0", "r1", "r2", "r3", "r4", "r5", "memory");
	return 0;
}

SEC("xdp")
int helper_uninit(struct xdp_md *ctx)
{
	spill_frame();
	copy_stale();
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
