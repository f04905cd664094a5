// SPDX-License-Identifier: Apache-2.0
// Calls a kfunc nobody registered (not __weak).
// expect: load error ElfMissingSymbol
#include "decade_bpf.h"

extern int decade_no_such_kfunc(int x) __ksym;

SEC("syscall") int missing_kfunc(void *ctx) { return decade_no_such_kfunc(1); }

char LICENSE[] SEC("license") = "GPL";
