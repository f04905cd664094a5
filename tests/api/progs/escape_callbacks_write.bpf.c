// SPDX-License-Identifier: Apache-2.0
// Writes through the key bpf_for_each_map_elem hands its callback, which is
// read-only (as in the kernel). Written, it rewrote a hash element's stored
// key in place (two elements with one key) or moved an array walk back so
// it never ended; kept past the walk, it pointed into freed memory.
// expect: every program rejected (VerifierReadOnly) at the line marked
// REJECT with its name; unverified, the write faults and the maps stay intact
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

// Every key becomes 1: the hash map ends with several elements of key 1,
// the array walk restarts at index 2 forever.
static long rewrite_key(void *map, __u32 *key, __u64 *value, void *ctx) {
  *(volatile __u32 *)key = 1; /* REJECT rewrite_key */
  return 0;
}

SEC("syscall") int write_key_hash(void *ctx) {
  __u64 one = 1;
  for (__u32 i = 1; i <= 4; i++) bpf_map_update_elem(&hash, &i, &one, BPF_ANY);
  return bpf_for_each_map_elem(&hash, rewrite_key, 0, 0);
}

SEC("syscall") int write_key_array(void *ctx) { return bpf_for_each_map_elem(&arr, rewrite_key, 0, 0); }

static long keep_key(void *map, __u32 *key, __u64 *value, __u32 **kept) {
  *kept = key;
  return 0;
}

// The key pointer kept in the caller's stack, written after the walk.
SEC("syscall") int write_kept_key(void *ctx) {
  __u32 *kept = 0;
  bpf_for_each_map_elem(&arr, keep_key, &kept, 0);
  if (!kept) return 0;
  *(volatile __u32 *)kept = 7; /* REJECT write_kept_key */
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
