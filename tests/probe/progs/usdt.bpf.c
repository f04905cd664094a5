// SPDX-License-Identifier: Apache-2.0
// USDT programs written as libbpf users write them (<bpf/usdt.bpf.h>,
// BPF_USDT, bpf_usdt_arg_cnt, bpf_usdt_cookie), attached by the USDT tests
// to the probes of tests/probe/usdt_targets.cpp.
#define __TARGET_ARCH_x86
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} got SEC(".maps");  // 0..2: the arguments, 3: their count, 4: the link's cookie, 5: hits

static void put(__u32 k, __u64 v) { bpf_map_update_elem(&got, &k, &v, BPF_ANY); }

static void hit(void) {
  __u32 k = 5;
  __u64 *v = bpf_map_lookup_elem(&got, &k);
  if (v) __sync_fetch_and_add(v, 1);
}

SEC("usdt") int BPF_USDT(on_three, int a, long b, short c) {
  put(0, (__u64)(long)a);
  put(1, (__u64)b);
  put(2, (__u64)(long)c);
  put(3, bpf_usdt_arg_cnt(ctx));
  put(4, bpf_usdt_cookie(ctx));
  hit();
  return 0;
}

SEC("usdt") int BPF_USDT(on_two, long a, long b) {
  put(0, (__u64)a);
  put(1, (__u64)b);
  put(3, bpf_usdt_arg_cnt(ctx));
  hit();
  return 0;
}

// Reads one argument past the probe's count: bpf_usdt_arg's -ENOENT.
SEC("usdt") int on_missing(struct pt_regs *ctx) {
  long v = 0;
  put(0, (__u64)bpf_usdt_arg(ctx, 3, &v));
  hit();
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
