// SPDX-License-Identifier: Apache-2.0
// LPM trie: 10.0.0.0/8 -> 8 and 10.1.0.0/16 -> 16; looking up 10.1.2.3 finds the /16.
// expect: retval 16
#include "decade_bpf.h"

struct lpm_key {
  __u32 prefixlen;
  __u32 addr;  // network byte order
};

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __type(key, struct lpm_key);
  __type(value, __u32);
  __uint(max_entries, 8);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} lpm SEC(".maps");

SEC("syscall") int map_lpm(void *ctx) {
  struct lpm_key k8 = {8, __builtin_bswap32(0x0a000000)}, k16 = {16, __builtin_bswap32(0x0a010000)};
  __u32 v8 = 8, v16 = 16;
  bpf_map_update_elem(&lpm, &k8, &v8, BPF_ANY);
  bpf_map_update_elem(&lpm, &k16, &v16, BPF_ANY);
  struct lpm_key q = {32, __builtin_bswap32(0x0a010203)};
  __u32 *v = bpf_map_lookup_elem(&lpm, &q);
  return v ? *v : 0;
}

char LICENSE[] SEC("license") = "GPL";
