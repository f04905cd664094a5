// SPDX-License-Identifier: Apache-2.0
// An __arena global without an arena map to hold it: the loader refuses
// the object (tests/loader/data_relocs_test.cpp).
#include "decade_bpf.h"

int __arena counter = 1;

SEC("syscall") int bump(void *ctx) { return ++counter; }

char LICENSE[] SEC("license") = "GPL";
