// SPDX-License-Identifier: Apache-2.0
// data_fn_table.v4.bpf.c built by clang-22 (the same .rodata relocations).
#include "data_fn_table.v4.bpf.c"
