// SPDX-License-Identifier: Apache-2.0
// USDT probes the tests attach to (<sys/sdt.h>, Debian's systemtap-sdt-dev):
// arguments in registers, on the stack and as constants, one probe at two
// sites, and a probe gated by a semaphore (usdt_gated.cpp).
#include "usdt_targets.hpp"

#if DECADE_HAVE_SDT
#include <sys/sdt.h>

extern "C" {

__attribute__((noinline)) long u_three(int a, long b, short c) {
  DTRACE_PROBE3(decade_test, three, a, b, c);
  return a + b + c;
}

// A volatile local is read where it lives: an argument in memory.
__attribute__((noinline)) long u_stack(long x) {
  volatile long on_stack = x * 2;
  DTRACE_PROBE2(decade_test, two, on_stack, x);
  return on_stack + 1;
}

__attribute__((noinline)) long u_consts(long x) {
  DTRACE_PROBE2(decade_test, consts, 5, -9);
  return x + 3;
}

// decade_test:twice has two sites.
__attribute__((noinline)) long u_twice_a(long x) {
  DTRACE_PROBE2(decade_test, twice, x, 1);
  return x * 3;
}
__attribute__((noinline)) long u_twice_b(long x) {
  DTRACE_PROBE2(decade_test, twice, x, 2);
  return x * 5;
}

}  // extern "C"
#endif
