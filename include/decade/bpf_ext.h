/* SPDX-License-Identifier: Apache-2.0 */
/* Decade's ISA extensions from BPF C (docs/isa-extensions.md).
 *
 * Include this in a BPF program (clang-19 or newer, -target bpf -O2 -g) and
 * call the intrinsics like functions. Each is declared as an extern kfunc;
 * Decade's loader turns a call into the one instruction it stands for
 * (popcnt, clz, ctz, rol, ror), and falls back to a kfunc with the same
 * result when the argument is not set up right before the call. Every
 * declaration carries the BTF decl tag "decade_ext:bitmanip", so the object
 * says it needs the extension: a runtime without it (or a host that
 * disabled it) refuses the program by name (ElfExtensionMissing). The Linux
 * kernel has no such kfuncs and refuses the object.
 *
 * The 32-bit forms use the low 32 bits of their argument; clz and ctz of 0
 * give the width; rotate amounts are taken modulo the width.
 */
#ifndef DECADE_BPF_EXT_H
#define DECADE_BPF_EXT_H

#define DECADE_EXT_BITMANIP __attribute__((btf_decl_tag("decade_ext:bitmanip")))
/* On a function of a program that passes more than five arguments (the
 * stackargs extension): the object then says it needs the extension. No
 * Debian clang emits stack arguments yet; assembled programs use them
 * through r11 (docs/isa-extensions.md). */
#define DECADE_EXT_STACKARGS __attribute__((btf_decl_tag("decade_ext:stackargs")))
/* On a function of a program whose call chains may use more stack than the
 * host's stack size (the divstack extension): the size then bounds each
 * frame alone, and eight frames the chain. Frames over 512 bytes also need
 * -mllvm -bpf-stack-size=N from clang and LoadOptions::stack_size (or
 * `--stack-size`) from the host (docs/isa-extensions.md, "stack"). */
#define DECADE_EXT_DIVSTACK __attribute__((btf_decl_tag("decade_ext:divstack")))
/* decade_alloca(n): n bytes of the calling function's stack frame, freed
 * when the function returns (the alloca extension). The loader turns the
 * call into one instruction; the verifier needs an upper bound on n that
 * fits the frame's remaining room (compare or mask n first), and allows
 * accesses to [p, p + that bound) only, each byte read only after it was
 * written. One placement per call site: no decade_alloca inside a loop.
 * The result is never NULL (docs/isa-extensions.md, "alloca"). */
#define DECADE_EXT_ALLOCA __attribute__((btf_decl_tag("decade_ext:alloca")))

extern unsigned long long decade_popcount64(unsigned long long x) DECADE_EXT_BITMANIP;
extern unsigned int decade_popcount32(unsigned int x) DECADE_EXT_BITMANIP;
extern unsigned long long decade_clz64(unsigned long long x) DECADE_EXT_BITMANIP;
extern unsigned int decade_clz32(unsigned int x) DECADE_EXT_BITMANIP;
extern unsigned long long decade_ctz64(unsigned long long x) DECADE_EXT_BITMANIP;
extern unsigned int decade_ctz32(unsigned int x) DECADE_EXT_BITMANIP;
extern unsigned long long decade_rotl64(unsigned long long x, unsigned long long n) DECADE_EXT_BITMANIP;
extern unsigned long long decade_rotr64(unsigned long long x, unsigned long long n) DECADE_EXT_BITMANIP;
extern unsigned int decade_rotl32(unsigned int x, unsigned int n) DECADE_EXT_BITMANIP;
extern unsigned int decade_rotr32(unsigned int x, unsigned int n) DECADE_EXT_BITMANIP;
extern void *decade_alloca(unsigned long long n) DECADE_EXT_ALLOCA;

#endif /* DECADE_BPF_EXT_H */
