// SPDX-License-Identifier: Apache-2.0
// bpf_copy_from_user from a sleepable user-space probe
// (tests/api/copy_from_user_test.cpp): 16 bytes from the address in the
// probed function's first argument (rdi) into `buf`, the result in `rc`.
#include "decade_bpf.h"

struct regs {
  __u64 r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di;
};

long rc = 1;
char buf[16];

SEC("uprobe.s") int copy16(struct regs *ctx) {
  rc = bpf_copy_from_user(buf, sizeof buf, (const void *)ctx->di);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
