// SPDX-License-Identifier: Apache-2.0
// A strong __kconfig extern's value folds like .rodata: the branch on it is
// dead code the verifier never explores.
// expect: with "CONFIG_HZ=250" retval 1 (the unreachable NULL load is never
//   verified); with "CONFIG_HZ=100" the load is rejected at that NULL load
#include "decade_bpf.h"

extern int CONFIG_HZ __kconfig;

// A strong extern's value folds like .rodata: the branch on it is dead code
// the verifier never explores.
SEC("syscall") int folded(void *ctx) {
  if (CONFIG_HZ != 250) {
    volatile int *p = 0;
    return *p;  // rejected if it were reachable
  }
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
