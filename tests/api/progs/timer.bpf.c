// SPDX-License-Identifier: Apache-2.0
// bpf_timer on an array and a hash map: one program per helper, each
// returning the helper's result for the element args->key, so the host
// drives the sequence (tests/api/timer_test.cpp). The callback counts its
// runs in the value, records the key it was given and what cancelling its
// own timer returned (-EDEADLK), and re-arms while `rearm` is positive.
#include "decade_bpf.h"

#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC 1
#endif

struct elem {
  __u64 fired;
  struct bpf_timer t;
  __u64 key_seen;
  __s64 self_cancel;
  __u64 rearm;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, struct elem);
  __uint(max_entries, 4);
} arr SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, struct elem);
  __uint(max_entries, 8);
} hmap SEC(".maps");

struct args {
  __u32 key;
  __u32 clock;
  __u64 nsecs;
  __u64 flags;  // BPF_F_TIMER_ABS: nsecs is added to bpf_ktime_get_ns()
};

static int on_fire(void *map, __u32 *key, struct elem *v) {
  v->fired++;
  v->key_seen = *key;
  v->self_cancel = bpf_timer_cancel(&v->t);
  if (v->rearm) {
    v->rearm--;
    bpf_timer_start(&v->t, 1000, 0);
  }
  return 0;
}

// Keys are copied to the stack: the kernel takes no context memory as a key.
static __always_inline struct elem *arr_elem(struct args *a) {
  __u32 key = a->key;
  return bpf_map_lookup_elem(&arr, &key);
}
static __always_inline struct elem *hash_of(struct args *a) {
  __u32 key = a->key;
  return bpf_map_lookup_elem(&hmap, &key);
}

// The hash element, made (zeroed) when absent.
static __always_inline struct elem *hash_elem(struct args *a) {
  struct elem zero = {};
  __u32 key = a->key;
  struct elem *v = bpf_map_lookup_elem(&hmap, &key);
  if (v) return v;
  bpf_map_update_elem(&hmap, &key, &zero, BPF_NOEXIST);
  return bpf_map_lookup_elem(&hmap, &key);
}

static __always_inline long start(struct elem *v, struct args *a) {
  __u64 n = a->nsecs;
  if (a->flags & 1) n += bpf_ktime_get_ns();
  return bpf_timer_start(&v->t, n, a->flags);
}

#define NOT_FOUND 1000

SEC("syscall") long arr_init(struct args *a) {
  struct elem *v = arr_elem(a);
  return v ? bpf_timer_init(&v->t, &arr, a->clock) : NOT_FOUND;
}
SEC("syscall") long arr_set_callback(struct args *a) {
  struct elem *v = arr_elem(a);
  return v ? bpf_timer_set_callback(&v->t, on_fire) : NOT_FOUND;
}
SEC("syscall") long arr_start(struct args *a) {
  struct elem *v = arr_elem(a);
  return v ? start(v, a) : NOT_FOUND;
}
SEC("syscall") long arr_cancel(struct args *a) {
  struct elem *v = arr_elem(a);
  return v ? bpf_timer_cancel(&v->t) : NOT_FOUND;
}

SEC("syscall") long hash_init(struct args *a) {
  struct elem *v = hash_elem(a);
  return v ? bpf_timer_init(&v->t, &hmap, a->clock) : NOT_FOUND;
}
SEC("syscall") long hash_set_callback(struct args *a) {
  struct elem *v = hash_of(a);
  return v ? bpf_timer_set_callback(&v->t, on_fire) : NOT_FOUND;
}
SEC("syscall") long hash_start(struct args *a) {
  struct elem *v = hash_of(a);
  return v ? start(v, a) : NOT_FOUND;
}
SEC("syscall") long hash_delete(struct args *a) {
  __u32 key = a->key;
  return bpf_map_delete_elem(&hmap, &key);
}

char LICENSE[] SEC("license") = "GPL";
