// SPDX-License-Identifier: Apache-2.0
// Open-addressing hash table of 16-bit keys (512 slots in the scratch
// area, linear probing, at most 4 probes): inserts 128 keys from the input,
// then looks up 256 keys (those and 128 others); returns hits and misses.
#include "bench_prog.h"

#define SLOTS 512
#define PROBES 4
#define INSERTS 128

BENCH_INLINE u32 slot_of(u32 key) { return (key * 2654435761u) >> 23; }  // top 9 bits

BENCH_PROG(hashtable) {
  u16 *t = (u16 *)(mem + BENCH_IN);
  u16 *keys = (u16 *)mem;
  for (u32 i = 0; i < SLOTS / 2; i++) ST32(t, i, 0);
  u64 dropped = 0;
  for (u32 i = 0; i < INSERTS; i++) {
    u16 k = keys[i] | 1;  // 0 marks an empty slot
    u32 h = slot_of(k), p;
    for (p = 0; p < PROBES; p++) {
      u16 *e = t + ((h + p) & (SLOTS - 1));
      BENCH_BOUND(e, 2);
      if (*e == 0) { *e = k; break; }
      if (*e == k) break;
    }
    if (p == PROBES) dropped++;
  }
  u64 hits = 0;
  for (u32 i = 0; i < 2 * INSERTS; i++) {
    u16 k = keys[i] | 1;
    u32 h = slot_of(k);
    for (u32 p = 0; p < PROBES; p++) {
      u16 *e = t + ((h + p) & (SLOTS - 1));
      BENCH_BOUND(e, 2);
      if (*e == k) { hits++; break; }
      if (*e == 0) break;
    }
  }
  return hits << 16 | dropped;
}
