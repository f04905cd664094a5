// SPDX-License-Identifier: Apache-2.0
// divstack.stk.bpf.c built by clang-22 (-mcpu=v4).
#include "divstack.stk.bpf.c"
