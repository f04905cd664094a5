// SPDX-License-Identifier: Apache-2.0
// Tail-call chains that must stop after the kernel's 33 tail calls
// (MAX_TAIL_CALL_CNT) on every path: a program calling itself, two programs
// calling each other, a call from a subprogram and one from a bpf_loop
// callback. The test fills `progs` (slot i as commented below); each
// program counts its runs in ctx->runs and, when its tail call fails, counts
// that in ctx->fails and goes on, as the kernel does.
// expect: retval 34 and fails 1 for every entry point (one run, 33 calls).
#include "decade_bpf.h"

struct chain_ctx {
  __u64 runs;
  __u64 fails;
};

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
  __uint(max_entries, 8);
} progs SEC(".maps");

// Slot 0.
SEC("syscall") int self_loop(struct chain_ctx *ctx) {
  ctx->runs++;
  bpf_tail_call(ctx, &progs, 0);
  ctx->fails++;
  return ctx->runs;
}

// Slots 1 and 2: each calls the other.
SEC("syscall") int ping(struct chain_ctx *ctx) {
  ctx->runs++;
  bpf_tail_call(ctx, &progs, 2);
  ctx->fails++;
  return ctx->runs;
}

SEC("syscall") int pong(struct chain_ctx *ctx) {
  ctx->runs++;
  bpf_tail_call(ctx, &progs, 1);
  ctx->fails++;
  return ctx->runs;
}

// Slot 3: the tail call is made by a subprogram.
static __attribute__((noinline)) int hop(struct chain_ctx *ctx) {
  bpf_tail_call(ctx, &progs, 3);
  ctx->fails++;
  return 0;
}

SEC("syscall") int via_subprog(struct chain_ctx *ctx) {
  ctx->runs++;
  hop(ctx);
  return ctx->runs;
}

char LICENSE[] SEC("license") = "GPL";
