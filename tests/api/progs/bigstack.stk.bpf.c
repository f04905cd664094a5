// SPDX-License-Identifier: Apache-2.0
// Frames over 512 bytes from C (docs/isa-extensions.md, "stack"): four
// nested functions each keep a 1600-byte buffer, so one frame is past the
// kernel's 512 and the chain is past 6 KiB. Built with
// -mllvm -bpf-stack-size=8192 (the .stk objects, cmake/bpf_objects.cmake);
// the host loads it with LoadOptions::stack_size. With DIVSTACK defined
// (divstack.stk.bpf.c) the program declares the divstack extension and the
// chain is eight frames deep (9600 bytes of buffers), which only a divided
// stack holds. Built
// by clang-19 (this file) and clang-22 (bigstack.stk.c22.bpf.c).
#include <linux/bpf.h>
#include <decade/bpf_ext.h>

#define SEC(name) __attribute__((section(name), used))

struct io {
  unsigned long long seed;
  unsigned long long out;
};

#define WORDS 200  // 1600 bytes

static __attribute__((always_inline)) unsigned long long mix(unsigned long long x) {
  return x * 0x9e3779b97f4a7c15ULL + 1;
}

static __attribute__((noinline)) unsigned long long leaf(unsigned long long seed) { return seed ^ (seed >> 29); }

// Fills its buffer from the seed, calls on, then folds the buffer into the
// callee's result backwards: a frame overwritten by the callee changes it.
#define LEVEL(name, next)                                                              \
  static __attribute__((noinline)) unsigned long long name(unsigned long long seed) { \
    volatile unsigned long long buf[WORDS];                                            \
    for (int i = 0; i < WORDS; i++) buf[i] = seed = mix(seed);                        \
    unsigned long long r = next(seed);                                                 \
    for (int i = WORDS - 1; i >= 0; i--) r = r * 31 + buf[i];                          \
    return r;                                                                          \
  }

LEVEL(level1, leaf)
LEVEL(level2, level1)
LEVEL(level3, level2)
LEVEL(level4, level3)
#ifdef DIVSTACK
LEVEL(level5, level4)
LEVEL(level6, level5)
#define TOP level6
#define ATTR DECADE_EXT_DIVSTACK
#else
#define TOP level4
#define ATTR
#endif

SEC("xdp") ATTR int bigstack(struct xdp_md* ctx) {
  struct io* p = (struct io*)(long)ctx->data;
  if ((void*)(p + 1) > (void*)(long)ctx->data_end) return XDP_ABORTED;
  p->out = TOP(p->seed);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
