// SPDX-License-Identifier: Apache-2.0
// The process the `decade trace` tests attach to (tests/cli/trace_test.cpp):
// calls traced_add in a loop, with a USDT probe (decade_trace:tick) after
// each call, and checks every result.
//   trace_target N SLEEP_US [malloc]   N iterations (0: until SIGUSR1), SLEEP_US
//   apart; with `malloc`, each iteration also allocates and frees 4,000
//   blocks, so the process spends most of its time inside libc's allocator
// Prints "ready PID" first, "ok CALLS" at the end (or on SIGUSR1), and
// "WRONG I R" (exit 3) when traced_add returns a wrong sum.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_usr1(int sig) {
  (void)sig;
  stop_flag = 1;
}

// Long enough for the probe's 5-byte jump (built with frame pointers).
__attribute__((noinline)) int traced_add(int a, int b) {
  volatile int x = a;
  return x + b;
}

// Blocks too large for malloc's per-thread cache, so every call goes into
// the allocator's arena code.
static void churn(void) {
  static void* live[64];
  for (int k = 0; k < 4000; ++k) {
    const int slot = k & 63;
    free(live[slot]);
    live[slot] = malloc(2048 + (size_t)(k % 7) * 256);
  }
}

int main(int argc, char** argv) {
  const long n = argc > 1 ? atol(argv[1]) : 0;
  const long sleep_us = argc > 2 ? atol(argv[2]) : 1000;
  const int malloc_heavy = argc > 3 && argv[3][0] == 'm';
  signal(SIGUSR1, on_usr1);
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  long calls = 0;
  for (long i = 0; (n == 0 || i < n) && !stop_flag; ++i) {
    const int r = traced_add((int)i, 1);
    if (r != (int)i + 1) {
      printf("WRONG %ld %d\n", i, r);
      return 3;
    }
    DTRACE_PROBE2(decade_trace, tick, i, r);
    ++calls;
    if (malloc_heavy) churn();
    if (sleep_us) usleep((useconds_t)sleep_us);
  }
  printf("ok %ld\n", calls);
  return 0;
}
