// SPDX-License-Identifier: Apache-2.0
// Declarations the BPF C programs under tests/ need beyond what Debian's
// libbpf 1.1 headers ship: open-coded number iterators, arenas, and the
// kfuncs Decade's standard platform provides. Include after <bpf/bpf_helpers.h>.
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef BPF_MAP_TYPE_ARENA
#define BPF_MAP_TYPE_ARENA 33
#endif

// uapi struct bpf_iter_num: opaque 8 bytes on the program's stack.
struct bpf_iter_num {
  __u64 __opaque[1];
} __attribute__((aligned(8)));

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

// for (i = start; i < end; i++) as an open-coded iterator the verifier bounds.
#define decade_for(i, start, end)                                                              \
  for (struct bpf_iter_num ___it __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
       *___p = (bpf_iter_num_new(&___it, (start), (end)), &___it);                           \
       ___p && ({ int *___v = bpf_iter_num_next(___p); ___v ? ((i) = *___v, 1) : 0; });)

// The name libbpf's newer headers (bpf_experimental.h) use.
#ifndef bpf_for
#define bpf_for(i, start, end) decade_for(i, start, end)
#endif

// Arena pointers live in address space 1 (needs -mcpu=v4 and clang 19+).
#define __arena __attribute__((address_space(1)))
#define __arena_global __attribute__((address_space(1)))
extern void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt, int node_id,
                                            __u64 flags) __ksym __weak;
extern void bpf_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;

#ifndef NUMA_NO_NODE
#define NUMA_NO_NODE (-1)
#endif

// The kernel's resilient spin lock (vmlinux BTF type, not in the uapi
// headers): 4 bytes inside a map value. bpf_res_spin_lock returns 0 with the
// lock held, or -EDEADLK / -ETIMEDOUT without it.
struct bpf_res_spin_lock {
  __u32 val;
};
extern int bpf_res_spin_lock(struct bpf_res_spin_lock *lock) __ksym;
extern void bpf_res_spin_unlock(struct bpf_res_spin_lock *lock) __ksym;
extern int bpf_res_spin_lock_irqsave(struct bpf_res_spin_lock *lock, unsigned long *flags) __ksym;
extern void bpf_res_spin_unlock_irqrestore(struct bpf_res_spin_lock *lock, unsigned long *flags) __ksym;
// Exceptions, as the kernel's bpf_experimental.h declares them: bpf_throw
// never returns; every frame unwinds and the program's result is its
// exception callback's (named on the program with __exception_cb, a global
// `int cb(__u64 cookie)`), or the cookie without one.
extern void bpf_throw(__u64 cookie) __ksym;
#define __exception_cb(name) __attribute__((btf_decl_tag("exception_callback:" #name)))
