// SPDX-License-Identifier: Apache-2.0
// Programs the in-process probe tests attach to functions of the test
// binary (tests/probe/targets.S).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// pt_regs offsets (x86-64): di = 14, ax = 10, ip = 16, sp = 19 (u64 slots).
#define REG(ctx, i) (((const __u64 *)(ctx))[i])

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u64);
} hits SEC(".maps");  // hits[cookie & 7]: one counter per attachment

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u64);
} last SEC(".maps");  // 0: di, 1: func ip, 2: pid_tgid, 3: ax, 4: regs ip

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64[17]);  // [0] = bytes bpf_get_stack wrote, then the frames
} stack SEC(".maps");

static void count(void *ctx) {
  __u32 k = bpf_get_attach_cookie(ctx) & 7;
  __u64 *v = bpf_map_lookup_elem(&hits, &k);
  if (v) __sync_fetch_and_add(v, 1);
}

static void put(__u32 k, __u64 val) { bpf_map_update_elem(&last, &k, &val, BPF_ANY); }

SEC("uprobe") int on_entry(void *ctx) {
  count(ctx);
  put(0, REG(ctx, 14));
  put(1, bpf_get_func_ip(ctx));
  put(2, bpf_get_current_pid_tgid());
  put(4, REG(ctx, 16));
  return 0;
}

SEC("uretprobe") int on_return(void *ctx) {
  count(ctx);
  put(3, REG(ctx, 10));
  put(1, bpf_get_func_ip(ctx));
  return 0;
}

// Only counts: what the stress test and the benchmark attach.
SEC("uprobe") int count_only(void *ctx) {
  count(ctx);
  return 0;
}

SEC("uprobe") int user_stack(void *ctx) {
  __u32 k = 0;
  __u64 *v = bpf_map_lookup_elem(&stack, &k);
  if (!v) return 0;
  long n = bpf_get_stack(ctx, v + 1, 16 * 8, BPF_F_USER_STACK);
  v[0] = n;
  return 0;
}

// Calls a helper that calls getpid(): with a probe on getpid, the nested
// hit must not run a program.
SEC("uprobe") int calls_getpid(void *ctx) {
  count(ctx);
  put(2, bpf_get_current_pid_tgid());
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
