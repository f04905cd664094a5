// SPDX-License-Identifier: Apache-2.0
// Checked execution (the named unverified bypass) over hash-family maps and
// map-in-map: programs reach only the value bytes of a hash element, never
// the chain link and key the map keeps in front of it, and inner maps are map
// arguments on every engine.
// expect: value_* return 7; link_* and key_* fail with the memory-fault error
// at their out-of-bounds access; inner_map returns 9 once the host stores a map
#include "decade_bpf.h"

#define HASH_MAP(name, kind)     \
  struct {                       \
    __uint(type, kind);          \
    __type(key, __u32);          \
    __type(value, __u64);        \
    __uint(max_entries, 4);      \
  } name SEC(".maps");

HASH_MAP(hash, BPF_MAP_TYPE_HASH)
HASH_MAP(percpu_hash, BPF_MAP_TYPE_PERCPU_HASH)
HASH_MAP(lru_hash, BPF_MAP_TYPE_LRU_HASH)
HASH_MAP(lru_percpu_hash, BPF_MAP_TYPE_LRU_PERCPU_HASH)

// Writing the value is allowed; so is reading it back.
#define VALUE_PROG(name)                                      \
  SEC("syscall") int value_##name(void *ctx) {                \
    __u32 k = 0;                                              \
    __u64 one = 1;                                            \
    bpf_map_update_elem(&name, &k, &one, BPF_ANY);            \
    volatile __u64 *v = bpf_map_lookup_elem(&name, &k);       \
    if (!v) return 1;                                         \
    *v = 7;                                                   \
    return *v;                                                \
  }

// The element header is 32 bytes and the key is rounded up to 8, so the
// chain link sits 40 bytes before the value: an unverified program that
// walks back to it must fault, not corrupt the chain.
#define LINK_PROG(name)                                       \
  SEC("syscall") int link_##name(void *ctx) {                 \
    __u32 k = 0;                                              \
    __u64 one = 1;                                            \
    bpf_map_update_elem(&name, &k, &one, BPF_ANY);            \
    char *v = bpf_map_lookup_elem(&name, &k);                 \
    if (!v) return 1;                                         \
    *(volatile __u64 *)(v - 40) = 0;                          \
    return 0;                                                 \
  }

// The key in front of the value is the map's too (read or written).
#define KEY_PROG(name)                                        \
  SEC("syscall") int key_##name(void *ctx) {                  \
    __u32 k = 0;                                              \
    __u64 one = 1;                                            \
    bpf_map_update_elem(&name, &k, &one, BPF_ANY);            \
    char *v = bpf_map_lookup_elem(&name, &k);                 \
    if (!v) return 1;                                         \
    return *(volatile __u32 *)(v - 8);                        \
  }

#define ALL(name) VALUE_PROG(name) LINK_PROG(name) KEY_PROG(name)
ALL(hash)
ALL(percpu_hash)
ALL(lru_hash)
ALL(lru_percpu_hash)

struct inner {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 4);
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
  __uint(max_entries, 2);
  __type(key, __u32);
  __array(values, struct inner);
} outer SEC(".maps");

// The host stores a hash map of another object under key 1: the program
// writes 9 into it through the inner map pointer and reads it back.
SEC("syscall") int inner_map(void *ctx) {
  __u32 k = 1, zero = 0;
  __u64 nine = 9;
  void *m = bpf_map_lookup_elem(&outer, &k);
  if (!m) return 1;
  if (bpf_map_update_elem(m, &zero, &nine, BPF_ANY)) return 2;
  volatile __u64 *v = bpf_map_lookup_elem(m, &zero);
  if (!v) return 3;
  *v = *v;
  return *v;
}

// A map pointer forged from a value pointer is no map in checked mode.
SEC("syscall") int forged_map(void *ctx) {
  __u32 k = 0;
  __u64 one = 1;
  bpf_map_update_elem(&hash, &k, &one, BPF_ANY);
  void *v = bpf_map_lookup_elem(&hash, &k);
  if (!v) return 1;
  return bpf_map_lookup_elem(v, &k) ? 2 : 3;
}

char LICENSE[] SEC("license") = "GPL";
