// SPDX-License-Identifier: Apache-2.0
// A mutable global struct whose first member is a function pointer: .data
// gets an R_BPF_64_ABS64 against .text at offset 0 (the loader rejects the
// object with ElfDataRelocation).
#include "decade_bpf.h"

typedef unsigned long long u64;

static __noinline u64 twice(u64 a) { return a * 2; }

struct handler {
  u64 (*fn)(u64);
  u64 arg;
};

struct handler handler = {twice, 21};

SEC("raw") int fn_struct(void *mem, u64 len) { return (int)handler.fn(handler.arg + len); }

char LICENSE[] SEC("license") = "GPL";
