// SPDX-License-Identifier: Apache-2.0
// Loads and stores of every width, the stack, 64-bit atomics, helper calls,
// BPF-to-BPF calls and map references (relocated ld_imm64).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 4);
} counters SEC(".maps");

struct rec {
  __u64 q;
  __u32 w;
  __u16 h;
  __u8 b;
  __u8 pad;
  __u64 arr[4];
};

static __attribute__((noinline)) __u64 mix(__u64 x, __u64 y) { return (x * 31) ^ (y >> 7); }

static __attribute__((noinline)) int sum(struct rec *r, int n) {
  int s = 0;
  for (int i = 0; i < 4 && i < n; i++) s += (int)r->arr[i];
  return s;
}

SEC("tc")
int mem(struct rec *r) {
  __u32 key = 1;
  __u64 *v = bpf_map_lookup_elem(&counters, &key);
  if (!v) return 0;
  __sync_fetch_and_add(v, 1);
  __u64 old = __sync_fetch_and_add(v, r->q);
  __sync_fetch_and_or(v, 0x10);
  __sync_fetch_and_and(v, ~0x20ULL);
  __sync_fetch_and_xor(v, 0x40);
  __u64 prev = __sync_val_compare_and_swap(v, old, 77);
  __u64 x = __sync_lock_test_and_set(v, 9);
  r->b = 0x7f;
  r->h = 0xfffb;
  r->w = 0x12345678;
  r->q = -5;
  r->arr[1] = old;
  r->arr[2] = r->w + r->h + r->b;
  volatile __u64 stack[4];
  stack[0] = prev;
  stack[3] = x;
  __u64 t = bpf_ktime_get_ns();
  return sum(r, (int)(stack[0] + stack[3])) + (int)mix(t, r->q);
}

char LICENSE[] SEC("license") = "GPL";
