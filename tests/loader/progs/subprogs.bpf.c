// SPDX-License-Identifier: Apache-2.0
// A static and a global subprogram, each called from two programs.
// expect: sub_a retval 21 (twice(10) + 1), sub_b retval 7 (add_one(6))
#include "decade_bpf.h"

static __noinline int twice(int x) { return x * 2; }

__noinline int add_one(int x) { return x + 1; }

SEC("syscall") int sub_a(void *ctx) { return add_one(twice(10)); }

SEC("syscall") int sub_b(void *ctx) { return add_one(6); }

char LICENSE[] SEC("license") = "GPL";
