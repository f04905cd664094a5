// SPDX-License-Identifier: Apache-2.0
// Data pointers in global data: a constant table of strings (.rodata
// relocated against .rodata.str1.1) and a pointer to a variable in .data
// (relocated against the symbol 'counter'). The loader rejects the object
// with ElfDataRelocation.
#include "decade_bpf.h"

typedef unsigned long long u64;

static const char *const names[] = {"ab", "cd"};
int counter;
int *counter_ptr = &counter;

SEC("raw") int ptr_table(void *mem, u64 len) { return names[len & 1][0] + *counter_ptr; }

char LICENSE[] SEC("license") = "GPL";
