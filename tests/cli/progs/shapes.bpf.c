// SPDX-License-Identifier: Apache-2.0
// Maps of every shape `map dump` prints differently (BTF-typed hash and
// array, untyped hash, empty maps, global data in .rodata, .data and .bss),
// for the bpftool-convention tests and the generated skeleton's host
// (tests/cli/skeleton_host.c): `limit` is set through skel->rodata before
// load, `hits` and `last` read through skel->bss after a run.
#include "decade_bpf.h"

struct stats {
  __u64 packets;
  __u32 bytes;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, struct stats);
} hmap SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} amap SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8);
  __uint(key_size, 4);
  __uint(value_size, 8);
} rawmap SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8);
  __uint(key_size, 4);
  __uint(value_size, 8);
} rawempty SEC(".maps");

const volatile __u32 limit = 5;
int counter = 3;
__u64 hits;
char name[8];
struct stats last;

SEC("xdp") int shapes(struct xdp_md *ctx) {
  __u32 k = 6;
  struct stats s = {1, 2};
  __u64 v = 9, *p;
  bpf_map_update_elem(&hmap, &k, &s, 0);
  bpf_map_update_elem(&rawmap, &k, &v, 0);
  if (limit > 4) hits += 7;
  hits += limit;
  counter++;
  k = 1;
  p = bpf_map_lookup_elem(&amap, &k);
  if (p) *p = 42;
  last.packets = ctx->data_end - ctx->data;
  last.bytes = limit;
  return 2;
}

char _license[] SEC("license") = "GPL";
