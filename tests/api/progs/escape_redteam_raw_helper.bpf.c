// SPDX-License-Identifier: Apache-2.0
// A helper writing a raw program's memory past the length r2 proved: helpers
// are not checked at run time, so this overflowed the host's buffer.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("raw")
int raw_helper_far(void *mem)
{
	bpf_get_current_comm(mem, 4000); /* REJECT */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
