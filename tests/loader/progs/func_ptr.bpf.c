// SPDX-License-Identifier: Apache-2.0
// Calls through function pointers chosen at run time: clang-19 emits
// ld_imm64 of the function (src 4) and callx. fp_branch picks the pointer on
// a branch; fp_spill keeps it in a volatile stack slot first.
// expect: for a raw memory of n bytes, fp_branch returns n + 10 (n odd),
// n * 10 (n & 2), n ^ 10 (otherwise); fp_spill returns n * 3 + 1 (n even)
// or n * 3 + 2 (n odd).
#include "decade_bpf.h"

typedef unsigned long long u64;

static __noinline u64 op_add(u64 a, u64 b) { return a + b; }
static __noinline u64 op_mul(u64 a, u64 b) { return a * b; }
static __noinline u64 op_xor(u64 a, u64 b) { return a ^ b; }
static __noinline u64 plus_one(u64 a) { return a * 3 + 1; }
static __noinline u64 plus_two(u64 a) { return a * 3 + 2; }

SEC("raw") int fp_branch(void *mem, u64 len) {
  u64 (*f)(u64, u64);
  if (len & 1)
    f = op_add;
  else if (len & 2)
    f = op_mul;
  else
    f = op_xor;
  return (int)f(len, 10);
}

SEC("raw") int fp_spill(void *mem, u64 len) {
  u64 (*volatile g)(u64) = plus_one;
  if (len & 1) g = plus_two;
  return (int)g(len);
}

char LICENSE[] SEC("license") = "GPL";
