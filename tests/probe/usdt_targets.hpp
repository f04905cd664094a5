// SPDX-License-Identifier: Apache-2.0
// The USDT probes of usdt_targets.cpp and usdt_gated.cpp. Without
// <sys/sdt.h> (systemtap-sdt-dev) they are not built and the USDT tests
// skip, saying so.
#pragma once

#if __has_include(<sys/sdt.h>)
#define DECADE_HAVE_SDT 1
extern "C" {
long u_three(int a, long b, short c);  // decade_test:three(a, b, c)
long u_stack(long x);                  // decade_test:two(2x from the stack, x)
long u_consts(long x);                 // decade_test:consts(5, -9)
long u_twice_a(long x);                // decade_test:twice(x, 1)
long u_twice_b(long x);                // decade_test:twice(x, 2)
long u_gated(long x);                  // 1 while decade_test:gated(x) is enabled, else 0
extern unsigned short decade_test_gated_semaphore;
}
#else
#define DECADE_HAVE_SDT 0
#endif
