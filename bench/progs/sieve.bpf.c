// SPDX-License-Identifier: Apache-2.0
// Sieve of Eratosthenes over [0, 1024) in the scratch area; returns the
// number of primes plus a checksum of the input bytes at prime offsets.
#include "bench_prog.h"

#define N 1024

BENCH_PROG(sieve) {
  u8 *s = mem + BENCH_IN;
  for (u32 i = 0; i < N; i += 4) ST32(s, i / 4, 0);
  u64 count = 0, mix = 0;
  for (u32 i = 2; i < N; i++) {
    if (s[i]) continue;
    count++;
    mix = mix * 31 + mem[i];
    for (u32 j = i * i; j < N; j += i) s[j] = 1;
  }
  return (count << 20 ^ mix) & 0xffffffffu;
}
