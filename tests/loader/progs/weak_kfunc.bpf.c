// SPDX-License-Identifier: Apache-2.0
// A __weak kfunc that is not registered: bpf_ksym_exists-style check skips the call.
// expect: retval 3
#include "decade_bpf.h"

extern int decade_optional_kfunc(int x) __ksym __weak;

SEC("syscall") int weak_kfunc(void *ctx) {
  if (decade_optional_kfunc) return decade_optional_kfunc(1);
  return 3;
}

char LICENSE[] SEC("license") = "GPL";
