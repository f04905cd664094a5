// SPDX-License-Identifier: Apache-2.0
// bitmanip.bpf.c built by clang-22 (-mcpu=v4).
#include "bitmanip.bpf.c"
