// SPDX-License-Identifier: Apache-2.0
// verifier: reject VerifierBadMap
// A map referenced by a hand-written ld_imm64 of map fd 0 (BPF_PSEUDO_MAP_FD,
// no relocation): the object's maps are named by relocation and Decade has
// no map file descriptors, so it is refused as the kernel refuses an fd
// that is not a map ("fd 0 is not pointing to valid bpf_map").
#include "decade_bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u64);
  __type(value, __u64);
  __uint(max_entries, 4);
} first SEC(".maps");

SEC("socket") int raw_fd(void *ctx) {
  __u64 key = 0;
  bpf_map_update_elem(&first, &key, &key, 0);
  asm volatile("r1 = 0\n" /* REJECT */
               "*(u64 *)(r10 - 16) = r1\n"
               "r2 = r10\n"
               "r2 += -16\n"
               ".8byte 0x0000000000001118\n"
               ".8byte 0\n"
               "call 3\n" ::: "r0", "r1", "r2", "r3", "r4", "r5");
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
