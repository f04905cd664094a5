// SPDX-License-Identifier: Apache-2.0
// Escape (issue 11, point 1): `meta + 4000 <= data + 4000` always holds and
// proves nothing about the metadata, yet it was taken to prove meta[0..4000).
// expect: rejected, VerifierOutOfBounds at insn 7 (the kernel: "R2 offset is
// outside of the packet")
#include "decade_bpf.h"

SEC("xdp") __attribute__((naked)) int meta_range(void) {
  asm volatile(
      "r2 = *(u32 *)(r1 + 8);"  // data_meta
      "r3 = *(u32 *)(r1 + 0);"  // data
      "r4 = r2;"
      "r4 += 4000;"
      "r5 = r3;"
      "r5 += 4000;"
      "if r4 > r5 goto 1f;"
      "r0 = *(u8 *)(r2 + 3999);"
      "exit;"
      "1: r0 = 2;"
      "exit;" ::: "memory");
}

char LICENSE[] SEC("license") = "GPL";
