// SPDX-License-Identifier: Apache-2.0
// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), bit by bit, of the
// first 512 input bytes.
#include "bench_prog.h"

BENCH_PROG(crc32) {
  u32 crc = 0xffffffffu;
  for (u32 i = 0; i < 512; i++) {
    crc ^= mem[i];
    for (u32 k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
  }
  return ~crc;
}
