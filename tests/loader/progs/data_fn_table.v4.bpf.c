// SPDX-License-Identifier: Apache-2.0
// A constant table of function pointers indexed at run time: clang puts the
// table in .rodata with one R_BPF_64_ABS64 against .text per entry (the
// function's offset is the implicit addend) and calls the loaded entry with
// callx. Addresses in global data are not supported: the loader rejects the
// object with ElfDataRelocation naming .rodata, offset 0 and op_add.
#include "decade_bpf.h"

typedef unsigned long long u64;

static __noinline u64 op_add(u64 a, u64 b) { return a + b; }
static __noinline u64 op_mul(u64 a, u64 b) { return a * b; }
static __noinline u64 op_xor(u64 a, u64 b) { return a ^ b; }

static u64 (*const ops[])(u64, u64) = {op_add, op_mul, op_xor};

SEC("raw") int fn_table(void *mem, u64 len) { return (int)ops[len % 3](len, 10); }

char LICENSE[] SEC("license") = "GPL";
