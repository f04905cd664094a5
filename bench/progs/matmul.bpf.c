// SPDX-License-Identifier: Apache-2.0
// 16x16 matrix multiply of 32-bit words: A and B are the two halves of the
// input, C goes to the scratch area; returns a checksum of C.
#include "bench_prog.h"

#define N 16

BENCH_PROG(matmul) {
  u8 *a = mem, *b = mem + N * N * 4, *c = mem + BENCH_IN;
  for (u32 i = 0; i < N; i++) {
    for (u32 j = 0; j < N; j++) {
      u32 acc = 0;
      for (u32 k = 0; k < N; k++) acc += LD32(a, i * N + k) * LD32(b, k * N + j);
      ST32(c, i * N + j, acc);
    }
  }
  u64 h = 0;
  for (u32 i = 0; i < N * N; i++) h = h * 31 + LD32(c, i);
  return h;
}
