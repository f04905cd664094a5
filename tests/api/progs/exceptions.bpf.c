// SPDX-License-Identifier: Apache-2.0
// bpf_throw from the main function, from static and global functions, after
// a bpf_loop, with and without an exception callback. The packet's first
// byte selects the path; tests/api/exceptions_test.cpp runs each on every
// engine (and Linux 6.18 returns the same for those without a callback:
// bpftool prog run, docs/runtime-control.md, "Exceptions").
#include "decade_bpf.h"

__u64 ran = 0;  // .bss: written before a throw, kept after it

static __always_inline int selector(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  if (data + 1 > end) return 0;
  return *(__u8 *)data;
}

// Throws 7 when the selector is 1; returns 2 otherwise.
SEC("xdp") int throw_main(struct xdp_md *ctx) {
  int sel = selector(ctx);
  ran += 1;
  if (sel == 1) bpf_throw(7);
  return 2;
}

// Two frames below the program: throws 40 + 3 when the selector is 3.
static __noinline int deeper(int sel) {
  if (sel == 3) bpf_throw(40 + sel);
  return sel;
}
static __noinline int deep(int sel) { return deeper(sel) + 1; }

SEC("xdp") int throw_subprog(struct xdp_md *ctx) { return deep(selector(ctx)) + 10; }

// A global function, verified on its own: throws 500 when given 5.
__noinline int global_thrower(__u64 v) {
  if (v == 5) bpf_throw(v * 100);
  return 0;
}

SEC("xdp") int throw_global(struct xdp_md *ctx) { return global_thrower(selector(ctx)) + 1; }

// The result of every throw of throw_caught.
__noinline int catch_cb(__u64 cookie) { return cookie + 1000; }

SEC("xdp") __exception_cb(catch_cb) int throw_caught(struct xdp_md *ctx) {
  int sel = selector(ctx);
  ran += 1;
  if (sel == 1) bpf_throw(6);
  return deep(sel);  // the selector 3 throws 43 two frames down
}

static int stop_at_3(__u32 i, void *ctx) { return i == 3; }

// The callback may not throw; the program throws what bpf_loop returned (4).
SEC("xdp") int throw_after_loop(struct xdp_md *ctx) {
  int sel = selector(ctx);
  long n = bpf_loop(10, stop_at_3, NULL, 0);
  if (sel == 1) bpf_throw(n);
  return 2;
}

// A tail call's target ends its own throw, as in the kernel: its result
// (the cookie 16) is what the tail call returns to tail_sub's caller.
SEC("xdp") int throw_tail_target(struct xdp_md *ctx) {
  bpf_throw(16);
  return 0;
}

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
  __uint(max_entries, 1);
  __array(values, int(void *));
} jmp SEC(".maps") = {
    .values = {[0] = (void *)&throw_tail_target},
};

static __noinline int tail_sub(struct xdp_md *ctx) {
  volatile int ret = 10;
  bpf_tail_call(ctx, &jmp, 0);
  return ret;
}

SEC("xdp") int throw_tail_call(struct xdp_md *ctx) {
  volatile int ret = tail_sub(ctx);
  return ret + 8;  // 16 + 8
}

char LICENSE[] SEC("license") = "GPL";
