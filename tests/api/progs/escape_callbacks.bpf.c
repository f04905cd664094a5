// SPDX-License-Identifier: Apache-2.0
// bpf_for_each_map_elem callbacks that keep what they were given: the key
// and value pointers stay valid after the walk (the callback leaves them in
// its caller's stack), nested walks keep their own keys, and a callback may
// delete or update elements of the map it walks.
// expect: key_after_walk_* return 1, nested_walks 0, delete_during_walk the
// elements visited (every original key gone), update_during_walk 4
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 4);
} arr SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 16);
} hash SEC(".maps");

// What a callback leaves in its caller's stack.
struct kept {
  const __u32 *key;
  __u64 *value;
  __u32 last;
  __u32 visited;
};

static long keep(void *map, const __u32 *key, __u64 *value, struct kept *k) {
  k->key = key;
  k->value = value;
  k->last = *key;
  k->visited++;
  return 0;
}

// The key pointer of the last callback, read after the walk has returned:
// it must still hold that key (it pointed into a freed buffer before).
SEC("syscall") int key_after_walk_array(void *ctx) {
  struct kept k = {};
  bpf_for_each_map_elem(&arr, keep, &k, 0);
  if (!k.key || !k.value) return -1;
  return *k.key == k.last && k.last == 3 && k.visited == 4;
}

SEC("syscall") int key_after_walk_hash(void *ctx) {
  __u64 one = 1;
  for (__u32 i = 1; i <= 4; i++) bpf_map_update_elem(&hash, &i, &one, BPF_ANY);
  struct kept k = {};
  bpf_for_each_map_elem(&hash, keep, &k, 0);
  if (!k.key || !k.value) return -1;
  return *k.key == k.last && *k.value == 1 && k.visited == 4;
}

struct outer_state {
  __u32 mismatches;
  __u32 inner;
};

static long inner_cb(void *map, const __u32 *key, __u64 *value, struct outer_state *s) {
  s->inner++;
  return 0;
}

// A walk inside a callback has its own key: the outer key is the same
// before and after the inner walk.
static long outer_cb(void *map, const __u32 *key, __u64 *value, struct outer_state *s) {
  __u32 before = *key;
  bpf_for_each_map_elem(&arr, inner_cb, s, 0);
  if (*key != before) s->mismatches++;
  return 0;
}

SEC("syscall") int nested_walks(void *ctx) {
  struct outer_state s = {};
  bpf_for_each_map_elem(&arr, outer_cb, &s, 0);
  return s.inner == 16 ? s.mismatches : -1;
}

// Deletes every element it visits and inserts key + 100 for the original
// ones; reads the value of the element it deleted, and its caller reads
// the last value pointer after the walk (the map keeps element memory).
static long delete_cb(void *map, const __u32 *key, __u64 *value, struct kept *k) {
  __u32 next = *key + 100;
  bpf_map_delete_elem(&hash, key);
  if (*key < 100) bpf_map_update_elem(&hash, &next, value, BPF_ANY);
  k->value = value;
  k->last += (__u32)*value;
  k->visited++;
  return 0;
}

SEC("syscall") int delete_during_walk(void *ctx) {
  __u64 v = 5;
  for (__u32 i = 0; i < 8; i++) bpf_map_update_elem(&hash, &i, &v, BPF_ANY);
  struct kept k = {};
  bpf_for_each_map_elem(&hash, delete_cb, &k, 0);
  if (!k.value) return -1;
  k.last += (__u32)*k.value;
  return k.visited;
}

// Array values are updated in place, through the pointer and the helper.
static long update_cb(void *map, const __u32 *key, __u64 *value, struct kept *k) {
  __u32 next = (*key + 1) & 3;
  __u64 v = *value + 1;
  *value = v;
  bpf_map_update_elem(&arr, &next, &v, BPF_ANY);
  k->visited++;
  return 0;
}

SEC("syscall") int update_during_walk(void *ctx) {
  struct kept k = {};
  bpf_for_each_map_elem(&arr, update_cb, &k, 0);
  return k.visited;
}

char LICENSE[] SEC("license") = "GPL";
