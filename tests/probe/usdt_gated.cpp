// SPDX-License-Identifier: Apache-2.0
// A USDT probe with a semaphore: its arguments are computed only while a
// tracer counts itself in decade_test_gated_semaphore (sys/sdt.h's
// _SDT_HAS_SEMAPHORES convention, as dtrace -h headers use it).
#include "usdt_targets.hpp"

#if DECADE_HAVE_SDT
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

extern "C" {

__extension__ unsigned short decade_test_gated_semaphore __attribute__((unused)) __attribute__((section(".probes")));

__attribute__((noinline)) long u_gated(long x) {
  if (decade_test_gated_semaphore) {
    DTRACE_PROBE1(decade_test, gated, x);
    return 1;
  }
  return 0;
}

}  // extern "C"
#endif
