// SPDX-License-Identifier: Apache-2.0
// bpf_copy_from_user may sleep: a probe that is not sleepable (SEC("uprobe")
// rather than "uprobe.s") may not call it, as the kernel refuses it.
#include "decade_bpf.h"

char buf[16];

SEC("uprobe") int copy_not_sleepable(void *ctx) {
  return bpf_copy_from_user(buf, sizeof buf, ctx);
}

char LICENSE[] SEC("license") = "GPL";
