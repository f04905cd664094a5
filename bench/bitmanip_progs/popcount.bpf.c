// SPDX-License-Identifier: Apache-2.0
// Population count of 256 64-bit words, written twice: with clang's
// __builtin_popcountll, which the BPF target expands into a shift-and-mask
// sequence, and with Decade's intrinsic, which the loader turns into one
// popcnt instruction (docs/isa-extensions.md). Same result; r1 = memory of
// at least 2048 bytes, r2 = its length.
#include <decade/bpf_ext.h>

#define SEC(s) __attribute__((section(s), used))
#define WORDS 256

typedef unsigned long long u64;

SEC("raw") u64 popcount_builtin(const u64* mem, u64 len) {
  if (len < WORDS * 8) return 0;
  u64 sum = 0;
  for (int i = 0; i < WORDS; i++) sum += __builtin_popcountll(mem[i]);
  return sum;
}

SEC("raw") u64 popcount_intrinsic(const u64* mem, u64 len) {
  if (len < WORDS * 8) return 0;
  u64 sum = 0;
  for (int i = 0; i < WORDS; i++) sum += decade_popcount64(mem[i]);
  return sum;
}

char LICENSE[] SEC("license") = "GPL";
