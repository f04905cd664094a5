// SPDX-License-Identifier: Apache-2.0
// bigstack.stk.bpf.c built by clang-22 (-mcpu=v4).
#include "bigstack.stk.bpf.c"
