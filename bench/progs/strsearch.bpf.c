// SPDX-License-Identifier: Apache-2.0
// Naive string search: counts occurrences of an 8-letter pattern in the
// input read as a text over {a, b} (bit 0 of each byte), so partial matches
// are frequent. The text is written to the scratch area first.
#include "bench_prog.h"

#define TEXT 1024
#define PLEN 8

BENCH_PROG(strsearch) {
  u8 *text = mem + BENCH_IN;
  for (u32 i = 0; i < TEXT; i++) text[i] = 'a' + (mem[i] & 1);
  const u64 pattern = 0x6162616261616261ull;  // "abaababa", first letter in the top byte
  u64 count = 0;
  for (u32 i = 0; i + PLEN <= TEXT; i++) {
    u32 k;
    for (k = 0; k < PLEN; k++)
      if (text[i + k] != (u8)(pattern >> (8 * (PLEN - 1 - k)))) break;
    if (k == PLEN) count++;
  }
  return count;
}
