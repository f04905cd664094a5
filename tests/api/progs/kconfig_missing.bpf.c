// SPDX-License-Identifier: Apache-2.0
// A strong __kconfig extern the host gives no value.
// expect: load error ElfKconfigMissing naming CONFIG_DECADE_NOT_SET; with
//   "CONFIG_DECADE_NOT_SET=7" retval 7; with "CONFIG_DECADE_NOT_SET=300"
//   (too large for a u8) ElfKconfigBadValue
#include "decade_bpf.h"

extern unsigned char CONFIG_DECADE_NOT_SET __kconfig;

SEC("syscall") int kconfig_missing(void *ctx) { return CONFIG_DECADE_NOT_SET; }

char LICENSE[] SEC("license") = "GPL";
