// SPDX-License-Identifier: Apache-2.0
// Internet checksum (RFC 1071) of the input, 16-bit big-endian words.
#include "bench_prog.h"

BENCH_PROG(checksum) {
  u64 sum = 0;
  for (u32 i = 0; i < BENCH_IN; i += 2) sum += (u32)mem[i] << 8 | mem[i + 1];
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}
