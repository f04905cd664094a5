// SPDX-License-Identifier: Apache-2.0
// A program in a section no program type claims.
// expect: load error ElfUnknownSection
#include "decade_bpf.h"

SEC("no_such_type/foo") int lost(void *ctx) { return 0; }

char LICENSE[] SEC("license") = "GPL";
