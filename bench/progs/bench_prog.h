/* SPDX-License-Identifier: Apache-2.0 */
/* One source, three builds. Each compute benchmark is written once as
 *
 *   BENCH_PROG(name) { ... uses `u8 *mem` ... return result; }
 *
 * and compiled
 *   - by clang-19 for BPF as a SEC("raw") program (r1 = memory, r2 = length),
 *     the form Decade's interpreter and JIT run;
 *   - by clang-19 for BPF with -DBENCH_KERNEL as a SEC("xdp") program over the
 *     packet, the form the kernel loads (`bpftool prog run ... data_in`);
 *   - by gcc -O2 natively as `uint64_t bench_native_<name>(uint8_t *, uint64_t)`.
 *
 * Every program takes the same BENCH_MEM bytes: BENCH_IN bytes of input at
 * the start (the driver fills them with deterministic pseudo-random bytes)
 * and a scratch area after them that the program initialises itself, so a
 * run never depends on an earlier one (runs repeat on the same memory).
 * Loops are bounded with constant trip counts; every index is bounded by a
 * constant, so a verifier can prove each access inside BENCH_MEM. The
 * kernel's XDP test run takes at most 3520 bytes of packet, hence the size.
 * Results are compared on their low 32 bits (XDP returns 32 bits). */
#ifndef DECADE_BENCH_PROG_H
#define DECADE_BENCH_PROG_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef int s32;
typedef unsigned long long u64;

#define BENCH_MEM 3072
#define BENCH_IN 2048
#define BENCH_SCRATCH (BENCH_MEM - BENCH_IN)

#define BENCH_INLINE static inline __attribute__((always_inline))

#if defined(__bpf__)
#define BENCH_SEC(s) __attribute__((section(s), used))
#if defined(BENCH_KERNEL)
#include <linux/bpf.h>
#define BENCH_PROG(name)                                              \
  BENCH_INLINE u64 name##_body(u8 *mem, u8 *mem_end);                 \
  BENCH_SEC("xdp") int name(struct xdp_md *ctx) {                     \
    u8 *mem = (u8 *)(long)ctx->data;                                  \
    u8 *end = (u8 *)(long)ctx->data_end;                              \
    if (mem + BENCH_MEM > end) return 0;                              \
    return (int)name##_body(mem, end);                                \
  }                                                                   \
  char _license[] BENCH_SEC("license") = "GPL";                       \
  BENCH_INLINE u64 name##_body(u8 *mem, u8 *mem_end)
/* The kernel forgets a packet pointer's proven range once a variable is
 * added to it; such pointers are compared with the packet end again. */
#define BENCH_BOUND(p, n) \
  if ((u8 *)(p) + (n) > mem_end) return 0
#else
#define BENCH_PROG(name)                                              \
  BENCH_INLINE u64 name##_body(u8 *mem);                              \
  BENCH_SEC("raw") u64 name(u8 *mem, u64 len) {                       \
    if (len < BENCH_MEM) return 0;                                    \
    return name##_body(mem);                                          \
  }                                                                   \
  char _license[] BENCH_SEC("license") = "GPL";                       \
  BENCH_INLINE u64 name##_body(u8 *mem)
#endif
#else /* native */
#define BENCH_PROG(name)                                              \
  BENCH_INLINE u64 name##_body(u8 *mem);                              \
  u64 bench_native_##name(u8 *mem, u64 len) {                         \
    if (len < BENCH_MEM) return 0;                                    \
    return name##_body(mem);                                          \
  }                                                                   \
  BENCH_INLINE u64 name##_body(u8 *mem)
#endif
#ifndef BENCH_BOUND
#define BENCH_BOUND(p, n) (void)0
#endif

/* Aligned little-endian loads and stores of the memory buffer. */
#define LD32(p, i) (((u32 *)(p))[(i)])
#define ST32(p, i, v) (((u32 *)(p))[(i)] = (v))

#endif
