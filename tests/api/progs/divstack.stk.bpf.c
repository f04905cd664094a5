// SPDX-License-Identifier: Apache-2.0
// bigstack.stk.bpf.c eight frames deep, declaring the divstack extension.
#define DIVSTACK
#include "bigstack.stk.bpf.c"
