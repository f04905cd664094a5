// SPDX-License-Identifier: Apache-2.0
// A static and a global subprogram, called from three programs (sub_c needs only add_one).
// expect: sub_a retval 21 (add_one(twice(10))), sub_b retval 7 (add_one(twice(3))), sub_c retval 6 (add_one(5))
#include "decade_bpf.h"

static __noinline int twice(int x) { return x * 2; }

__noinline int add_one(int x) { return x + 1; }

SEC("syscall") int sub_a(void *ctx) { return add_one(twice(10)); }

SEC("syscall") int sub_b(void *ctx) { return add_one(twice(3)); }

SEC("syscall") int sub_c(void *ctx) { return add_one(5); }

char LICENSE[] SEC("license") = "GPL";
