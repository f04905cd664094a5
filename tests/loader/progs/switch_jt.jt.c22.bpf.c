// SPDX-License-Identifier: Apache-2.0
// Dense switches that clang-22 (-mcpu=v4, -bpf-min-jump-table-entries=4)
// compiles to jump tables and gotox: one in each program's own section and
// one in a .text subprogram that both programs call, so its table is
// relocated to different slots in each program.
// expect: for a raw memory of n bytes, jt_main returns main_ref(n),
// jt_second second_ref(n) and jt_global global_ref(n) (see
// tests/api/indirect_test.cpp).
#include "decade_bpf.h"

typedef unsigned long long u64;

static __noinline u64 pick(u64 x, u64 y) {
  switch (x) {
    case 0: return y * 3;
    case 1: return y ^ 0x55;
    case 2: return y + 1000;
    case 3: return y << 4;
    case 4: return y / 3;
    case 5: return y - 9;
    default: return 7;
  }
}

SEC("raw") int jt_main(void *mem, u64 len) {
  u64 v = len, r;
  switch (v & 7) {
    case 0: r = v * 7; break;
    case 1: r = v + 201; break;
    case 2: r = v ^ 302; break;
    case 3: r = v >> 1; break;
    case 4: r = v * v; break;
    case 5: r = v - 5; break;
    case 6: r = v | 0x1000; break;
    default: r = 807;
  }
  return (int)(r + pick(v >> 1, v));
}

SEC("raw") int jt_second(void *mem, u64 len) { return (int)pick(len % 8, 100 + len); }

// A global function, verified once on its own from its BTF signature.
__noinline int classify(int x, int y) {
  switch (x) {
    case 0: return y + 40;
    case 1: return y * 17;
    case 2: return y ^ 77;
    case 3: return y << 5;
    case 4: return 3 - y;
    default: return -1;
  }
}

SEC("raw") int jt_global(void *mem, u64 len) { return classify((int)(len % 7), (int)len); }

char LICENSE[] SEC("license") = "GPL";
