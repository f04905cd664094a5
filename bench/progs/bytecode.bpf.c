// SPDX-License-Identifier: Apache-2.0
// A small register-machine interpreter: the program writes a bytecode
// program to the scratch area and runs it for at most 512 steps. The
// bytecode mixes input bytes into an accumulator in a counted loop.
#include "bench_prog.h"

enum { OP_LDI, OP_ADD, OP_MUL, OP_XOR, OP_LOAD, OP_DECJNZ, OP_SHR, OP_HALT };
#define INSN(op, a, b, c) ((u32)(op) | (u32)(a) << 8 | (u32)(b) << 16 | (u32)(c) << 24)
#define STEPS 512

BENCH_PROG(bytecode) {
  u8 *code = mem + BENCH_IN;
  // r0 = 0; r1 = 80; r3 = 31;
  // loop: r0 = r0 * r3; r2 = in[r1]; r0 = r0 ^ r2; r2 = r0 >> 7; r0 = r0 + r2; r1 -= 1, jnz loop; halt
  ST32(code, 0, INSN(OP_LDI, 0, 0, 0));
  ST32(code, 1, INSN(OP_LDI, 1, 80, 0));
  ST32(code, 2, INSN(OP_LDI, 3, 31, 0));
  ST32(code, 3, INSN(OP_MUL, 0, 0, 3));
  ST32(code, 4, INSN(OP_LOAD, 2, 1, 0));
  ST32(code, 5, INSN(OP_XOR, 0, 0, 2));
  ST32(code, 6, INSN(OP_SHR, 2, 0, 7));
  ST32(code, 7, INSN(OP_ADD, 0, 0, 2));
  ST32(code, 8, INSN(OP_DECJNZ, 1, 3, 0));
  ST32(code, 9, INSN(OP_HALT, 0, 0, 0));
  u32 r[4] = {0, 0, 0, 0};
  u32 pc = 0;
  u64 steps = 0;
  for (u32 s = 0; s < STEPS; s++) {
    u32 *ip = (u32 *)code + (pc & 15);
    BENCH_BOUND(ip, 4);
    u32 insn = *ip;
    u32 a = (insn >> 8) & 3, b = (insn >> 16) & 0xff, c = insn >> 24;
    pc++;
    steps++;
    switch (insn & 0xff) {
      case OP_LDI: r[a] = b; break;
      case OP_ADD: r[a] = r[b & 3] + r[c & 3]; break;
      case OP_MUL: r[a] = r[b & 3] * r[c & 3]; break;
      case OP_XOR: r[a] = r[b & 3] ^ r[c & 3]; break;
      case OP_LOAD: {
        u8 *p = mem + (r[b & 3] & (BENCH_IN - 1));
        BENCH_BOUND(p, 1);
        r[a] = *p;
        break;
      }
      case OP_SHR: r[a] = r[b & 3] >> (c & 31); break;
      case OP_DECJNZ: if (--r[a]) pc = b; break;
      default: s = STEPS; break;  // OP_HALT and anything unknown
    }
  }
  return r[0] ^ steps << 20;
}
