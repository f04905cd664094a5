// SPDX-License-Identifier: Apache-2.0
// Host additions: a helper registered by id, a kfunc registered by name, and
// a host-defined program type ("myhook") whose context is struct hook_ctx.
// expect (with the host's additions): scaled retval 2 * (x + y) + 1 via
// host_add (helper 1000) and host_mul (kfunc); hook retval ctx->a * ctx->b.
#include "decade_bpf.h"

static long (*host_add)(long a, long b) = (void *)1000;
extern long host_mul(long a, long b) __ksym;

struct hook_ctx {
  __u32 a;
  __u32 b;
  __u64 result;
};

SEC("syscall") int scaled(__u64 *ctx) { return host_mul(host_add(ctx[0], ctx[1]), 2) + 1; }

SEC("myhook") int hook(struct hook_ctx *ctx) {
  ctx->result = (__u64)ctx->a * ctx->b;
  return ctx->a + ctx->b;
}

char LICENSE[] SEC("license") = "GPL";
