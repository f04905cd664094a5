// SPDX-License-Identifier: Apache-2.0
// alloca.bpf.c built by clang-22 (-mcpu=v4).
#include "alloca.bpf.c"
