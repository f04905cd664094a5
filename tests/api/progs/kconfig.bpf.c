// SPDX-License-Identifier: Apache-2.0
// __kconfig externs of every kind libbpf supports, read from the frozen
// .kconfig map the loader fills from the host's kconfig text.
// expect: with kconfig "CONFIG_HZ=250\nCONFIG_BPF_SYSCALL=y\nCONFIG_MODULES=m\n
//   CONFIG_LOCALVERSION=\"-dec\"\nCONFIG_NEG=-5\n": kver 0x060c00 (the default),
//   hz 250, syscall 1, modules 2, localversion 0x6365642d ("-dec"), neg -5,
//   weak_unset 0; with CONFIG_BIG=0x123456789 and CONFIG_CH=m also set: big
//   0x123456789, ch 'm'
#include <stdbool.h>

#include "decade_bpf.h"

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_MODULES __kconfig;
extern char CONFIG_LOCALVERSION[8] __kconfig;
extern short CONFIG_NEG __kconfig;
extern bool CONFIG_UNSET_BOOL __kconfig __weak;
extern unsigned long long CONFIG_BIG __kconfig __weak;
extern char CONFIG_CH __kconfig __weak;

SEC("syscall") int kver(void *ctx) { return LINUX_KERNEL_VERSION; }
SEC("syscall") int hz(void *ctx) { return CONFIG_HZ; }
SEC("syscall") int syscall_on(void *ctx) { return CONFIG_BPF_SYSCALL; }
SEC("syscall") int modules(void *ctx) { return CONFIG_MODULES; }

SEC("syscall") int localversion(void *ctx) {
  __u32 v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | (__u8)CONFIG_LOCALVERSION[i];
  return CONFIG_LOCALVERSION[4] == 0 ? v : 0;  // NUL-terminated
}

SEC("syscall") int neg(void *ctx) { return CONFIG_NEG; }
SEC("syscall") int weak_unset(void *ctx) { return CONFIG_UNSET_BOOL + (CONFIG_BIG ? 1 : 0) + CONFIG_CH; }
SEC("syscall") long big(void *ctx) { return CONFIG_BIG; }
SEC("syscall") int ch(void *ctx) { return CONFIG_CH; }

char LICENSE[] SEC("license") = "GPL";
