// SPDX-License-Identifier: Apache-2.0
// A syscall program names context bytes up to 64 KiB, but the caller's
// context may be shorter: the store must be checked against the context
// the run was given (it wrote 30000 bytes past a 16-byte one).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("syscall")
int sys_ctx_far(void *ctx)
{
	*(volatile unsigned long *)((char *)ctx + 30000) = 0x4141414141414141UL;
	return 7;
}

char LICENSE[] SEC("license") = "GPL";
