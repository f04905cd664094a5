// SPDX-License-Identifier: Apache-2.0
// clang-22: load-acquire and store-release of every width, compared with
// llvm-objdump-22.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct in {
  __u8 b;
  __u16 h;
  __u32 w;
  __u64 q;
};

SEC("xdp")
int acq(struct in *p) {
  __u64 s = __atomic_load_n(&p->b, __ATOMIC_ACQUIRE);
  s += __atomic_load_n(&p->h, __ATOMIC_ACQUIRE);
  s += __atomic_load_n(&p->w, __ATOMIC_ACQUIRE);
  s += __atomic_load_n(&p->q, __ATOMIC_ACQUIRE);
  __atomic_store_n(&p->b, (__u8)s, __ATOMIC_RELEASE);
  __atomic_store_n(&p->h, (__u16)s, __ATOMIC_RELEASE);
  __atomic_store_n(&p->w, (__u32)s, __ATOMIC_RELEASE);
  __atomic_store_n(&p->q, s, __ATOMIC_RELEASE);
  asm volatile("gotox %0" ::"r"(0) : );
  return (int)s;
}

char LICENSE[] SEC("license") = "GPL";
