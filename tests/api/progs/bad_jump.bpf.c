// SPDX-License-Identifier: Apache-2.0
// One program whose code does not decode (a jump 100 instructions past
// its end, written as raw bytes) beside one that does: `decade verify`
// refuses the first as the kernel's verifier does ("jump out of range")
// and accepts the second (tests/cli/cli_test.cpp).
#include "decade_bpf.h"

SEC("socket") int good(void *ctx) { return 0; }

SEC("socket") int bad_jump(void *ctx) {
  asm volatile(".8byte 0x0000000000640005\n");  // ja +100
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
