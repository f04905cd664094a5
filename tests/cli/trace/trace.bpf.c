// SPDX-License-Identifier: Apache-2.0
// Programs `decade trace` attaches to tests/cli/trace/trace_target.c: the
// entry and return of traced_add and its USDT probe, counted in a hash map
// (0: entries, 1: returns, 2: USDT hits, 3: wrong sums seen), each entry
// also sent through a ring buffer and each USDT hit printed.
#define __TARGET_ARCH_x86
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 18);
} events SEC(".maps");

struct event {
  __u32 kind;
  __s32 value;
};

static void bump(__u32 k) {
  __u64 one = 1;
  __u64 *v = bpf_map_lookup_elem(&counts, &k);
  if (v) __sync_fetch_and_add(v, 1);
  else if (bpf_map_update_elem(&counts, &k, &one, BPF_NOEXIST) != 0 && (v = bpf_map_lookup_elem(&counts, &k)))
    __sync_fetch_and_add(v, 1);
}

SEC("uprobe/trace_target:traced_add")
int BPF_KPROBE(on_entry, int a, int b) {
  bump(0);
  struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (e) {
    e->kind = 1;
    e->value = a;
    bpf_ringbuf_submit(e, 0);
  }
  return 0;
}

SEC("uretprobe/trace_target:traced_add")
int BPF_KRETPROBE(on_return, int ret) {
  bump(1);
  return 0;
}

SEC("usdt/trace_target:decade_trace:tick")
int BPF_USDT(on_tick, long i, int r) {
  bump(2);
  if (r != i + 1) bump(3);
  bpf_printk("tick %ld", i);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
