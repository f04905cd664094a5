// SPDX-License-Identifier: Apache-2.0
// Insertion sort of 128 32-bit input words copied to the scratch area;
// returns a position-weighted checksum of the sorted array.
#include "bench_prog.h"

#define N 128

BENCH_PROG(sort) {
  u8 *a = mem + BENCH_IN;
  for (u32 i = 0; i < N; i++) ST32(a, i, LD32(mem, i));
  for (u32 i = 1; i < N; i++) {
    u32 key = LD32(a, i);
    s32 j = (s32)i - 1;
    while (j >= 0 && LD32(a, j) > key) {
      ST32(a, j + 1, LD32(a, j));
      j--;
    }
    ST32(a, j + 1, key);
  }
  u64 h = 0;
  for (u32 i = 0; i < N; i++) h = h * 1000003 + LD32(a, i);
  return h;
}
